#include "sidecar/remote_read/label_interner.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace streamlens::remote_read {
namespace {

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

// The label set `series` as text, "name=value,..." in stored order.
std::string Text(const LabelInterner& in, uint32_t series) {
  std::string out;
  for (const LabelRef& l : in.labels(series)) {
    if (!out.empty()) out += ",";
    out += in.symbols()[l.name] + "=" + in.symbols()[l.value];
  }
  return out;
}

TEST(LabelInternerTest, NumbersLabelSetsInOrderFirstSeenWhateverTheLabelOrder) {
  LabelInterner in;
  auto a = in.Intern(Pairs{{"topic", "t"}, {"__name__", "lag"}, {"group", "g"}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->series, 0u);
  EXPECT_TRUE(a->is_new);
  auto b = in.Intern(Pairs{{"__name__", "lag"}, {"group", "h"}, {"topic", "t"}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->series, 1u);
  EXPECT_TRUE(b->is_new);
  // The first set again, in another order and with an empty value (absent in Prometheus).
  auto again = in.Intern(Pairs{{"group", "g"}, {"topic", "t"}, {"empty", ""}, {"__name__", "lag"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->series, 0u);
  EXPECT_FALSE(again->is_new);
  ASSERT_EQ(in.num_series(), 2u);
  EXPECT_EQ(Text(in, 0), "__name__=lag,group=g,topic=t");
  EXPECT_EQ(Text(in, 1), "__name__=lag,group=h,topic=t");
  // Every distinct string once: __name__, lag, group, g, topic, t, h.
  EXPECT_EQ(in.symbols().size(), 7u);
}

TEST(LabelInternerTest, ValuesEqualToNamesAreOneSymbolButDistinctSetsStayDistinct) {
  LabelInterner in;
  auto a = in.Intern(Pairs{{"a", "b"}});
  auto b = in.Intern(Pairs{{"b", "a"}});
  auto c = in.Intern(Pairs{{"a", "b"}, {"b", "a"}});
  auto none = in.Intern(Pairs{});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && none.ok());
  EXPECT_EQ(a->series, 0u);
  EXPECT_EQ(b->series, 1u);
  EXPECT_EQ(c->series, 2u);
  EXPECT_EQ(none->series, 3u);
  EXPECT_TRUE(none->is_new);
  EXPECT_TRUE(in.labels(3).empty());
  EXPECT_EQ(in.symbols().size(), 2u);
  EXPECT_EQ(Text(in, 2), "a=b,b=a");
}

TEST(LabelInternerTest, RejectsEmptyOrRepeatedNamesAddingNothing) {
  LabelInterner in;
  ASSERT_TRUE(in.Intern(Pairs{{"a", "1"}}).ok());
  auto empty_name = in.Intern(Pairs{{"", "x"}, {"b", "2"}});
  ASSERT_FALSE(empty_name.ok());
  EXPECT_EQ(empty_name.status().message(), "series has a label with an empty name");
  auto twice = in.Intern(Pairs{{"b", "2"}, {"b", "3"}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().message(), "series has label \"b\" twice");
  EXPECT_EQ(in.num_series(), 1u);
  EXPECT_EQ(in.symbols().size(), 2u);
  auto next = in.Intern(Pairs{{"b", "2"}});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->series, 1u);
}

TEST(LabelInternerTest, TakeSymbolsLeavesItEmpty) {
  LabelInterner in;
  ASSERT_TRUE(in.Intern(Pairs{{"a", "1"}}).ok());
  EXPECT_EQ(in.TakeSymbols(), (std::vector<std::string>{"a", "1"}));
  EXPECT_EQ(in.num_series(), 0u);
  EXPECT_TRUE(in.symbols().empty());
  auto again = in.Intern(Pairs{{"a", "1"}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->series, 0u);
  EXPECT_TRUE(again->is_new);
}

}  // namespace
}  // namespace streamlens::remote_read
