// Test helper: strict gzip decoding with zlib.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace streamlens {

// Inflates one gzip member; fails the test unless the whole input is exactly one valid member
// (zlib checks the trailer's CRC-32 and length).
inline std::string Gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 16 + 15), Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  char buf[1 << 16];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END) << (z.msg ? z.msg : "");
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the first gzip member";
  inflateEnd(&z);
  return out;
}

}  // namespace streamlens
