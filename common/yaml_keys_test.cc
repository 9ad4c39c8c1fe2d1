#include "common/yaml_keys.h"

#include <gtest/gtest.h>

namespace streamlens {
namespace {

TEST(YamlKeysTest, UnknownKeyNamesFileLineColumnPathAndTheKnownKeys) {
  const YAML::Node root = YAML::Load("jobs:\n  - name: a\n    anomly: {}\n");
  EXPECT_TRUE(CheckYamlKeys(root, "x.yaml", "", {"jobs", "sources"}).ok());
  const Status s = CheckYamlKeys(root["jobs"][0], "x.yaml", "jobs[0]", {"name", "anomaly"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "x.yaml:3:5: jobs[0].anomly: unknown key (expected one of: name, anomaly)");
  const Status top = CheckYamlKeys(root, "x.yaml", "", {"sources"});
  EXPECT_EQ(top.message(), "x.yaml:1:1: jobs: unknown key (expected one of: sources)");
}

TEST(YamlKeysTest, NonStringKeysAndNonMappingsAreErrors) {
  const YAML::Node seq_key = YAML::Load("? [x]\n: 1\n");
  EXPECT_EQ(CheckYamlKeys(seq_key, "w.yml", "", {"x"}).message(),
            "w.yml:1:3: (top level): expected string keys, got a sequence as a key");
  const YAML::Node list = YAML::Load("a: [1]\n");
  EXPECT_EQ(CheckYamlKeys(list["a"], "w.yml", "a", {"x"}).message(),
            "w.yml:1:4: a: expected a mapping");
}

}  // namespace
}  // namespace streamlens
