#include "common/http_parser.h"

#include <gtest/gtest.h>

namespace streamlens {
namespace {

TEST(HttpParserTest, ParsesRequestLineQueryAndHeaders) {
  auto h = ParseRequestHead(
      "GET /api/v1/anomalies?job=a%20b&min_score=1.5&x&=v&flag HTTP/1.1\r\n"
      "Host: localhost\r\nAccept-Encoding:  gzip \r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->method, "GET");
  EXPECT_EQ(h->path, "/api/v1/anomalies");
  ASSERT_EQ(h->params.size(), 5u);
  EXPECT_EQ(h->params[0], (std::pair<std::string, std::string>{"job", "a b"}));
  EXPECT_EQ(h->params[1].second, "1.5");
  EXPECT_EQ(h->params[2], (std::pair<std::string, std::string>{"x", ""}));
  EXPECT_EQ(h->params[3], (std::pair<std::string, std::string>{"", "v"}));
  EXPECT_EQ(h->Header("accept-encoding"), "gzip");
  EXPECT_TRUE(h->keep_alive);
  EXPECT_FALSE(h->chunked);
}

TEST(HttpParserTest, FramingAndConnectionHeaders) {
  auto close = ParseRequestHead(
      "POST /-/reload HTTP/1.1\r\nConnection: close\r\n"
      "Content-Length: 12\r\n\r\n");
  ASSERT_TRUE(close.ok());
  EXPECT_FALSE(close->keep_alive);
  EXPECT_EQ(close->content_length, 12u);
  auto http10 = ParseRequestHead("GET / HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(http10.ok());
  EXPECT_FALSE(http10->keep_alive);
  auto chunked = ParseRequestHead("POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n");
  ASSERT_TRUE(chunked.ok());
  EXPECT_TRUE(chunked->chunked);
}

TEST(HttpParserTest, MalformedHeadsAreErrors) {
  for (const char* bad :
       {"GET\r\n\r\n", "GET / HTTP/2\r\n\r\n", "GET http://x/ HTTP/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\n folded: x\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "GET /%00 HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    EXPECT_FALSE(ParseRequestHead(bad).ok()) << bad;
  }
}

TEST(HttpParserTest, FindsTheEndOfTheHead) {
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nA: b\r\n\r\nbody"), 24u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\nA: b\n\nbody"), 21u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nA: b\r\n"), std::string::npos);
  EXPECT_EQ(FindHeadEnd(""), std::string::npos);
}

TEST(HttpParserTest, PercentDecodingKeepsInvalidEscapes) {
  EXPECT_EQ(PercentDecode("a%2Fb%zz%4", false), "a/b%zz%4");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(ParseQuery("&&a=1&&").size(), 1u);
}

}  // namespace
}  // namespace streamlens
