// streamlens-sidecar as a process against a fake remote-read server on loopback: a job fits from
// a good reply, then the server starts answering one byte every 10 s; SIGTERM during that fetch
// must end the process within --shutdown.timeout with the job's state saved.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "sidecar/remote_read/test_util.h"
#include "tests/support/subprocess.h"

namespace streamlens {
namespace {

using Clock = std::chrono::steady_clock;
using testing::BinPath;
using testing::FreePort;
using testing::Subprocess;
using testing::TempDir;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DrippingRemoteRead {
 public:
  DrippingRemoteRead() {
    server_.Post("/api/v1/read", [this](const httplib::Request&, httplib::Response& res) {
      ++calls_;
      const char* type = "application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse";
      if (!drip_) {
        const int64_t end = NowMs() / 60000 * 60000;
        auto series = remote_read::testing::MakeSeries(3, 240, end - 239 * 60000, 60000);
        res.set_content(remote_read::testing::StreamedBody(series, 120), type);
        return;
      }
      ++dripping_;
      res.set_chunked_content_provider(type, [this](size_t, httplib::DataSink& sink) {
        while (!stop_) {
          if (!sink.write("\x01", 1)) return false;
          for (int i = 0; i < 500 && !stop_; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // 10 s per byte
          }
        }
        return false;
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~DrippingRemoteRead() {
    stop_ = true;
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/read"; }
  std::atomic<bool> drip_{false};
  std::atomic<int> calls_{0}, dripping_{0};

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
};

TEST(SidecarShutdownTest, SigtermDuringADrippingFetchExitsWithinTheTimeoutWithStateSaved) {
  DrippingRemoteRead server;
  TempDir dir;
  std::ofstream(dir.File("sidecar.yaml"))
      << "sources: [{name: slow, url: '" << server.url() << "', timeout: 60s}]\n"
      << "jobs:\n  - name: drip\n    source: slow\n    selector: m\n    step: 1m\n"
      << "    fit_window: 4h\n    fit_every: 1h\n    infer_every: 1s\n    anomaly: {}\n";
  const int port = FreePort();
  Subprocess sidecar({BinPath("streamlens-sidecar"), "--config.file=" + dir.File("sidecar.yaml"),
                      "--storage.path=" + dir.File("state"), "--shutdown.timeout=5s",
                      "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                     dir.File("log"));
  const std::string state = dir.File("state/drip.state");
  struct stat st {};
  for (int i = 0; i < 300 && ::stat(state.c_str(), &st) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(::stat(state.c_str(), &st), 0) << "the job never fitted\n" << sidecar.Log();
  server.drip_ = true;
  for (int i = 0; i < 300 && server.dripping_.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(server.dripping_.load(), 0) << sidecar.Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the fetch is blocked in a read
  // File times come from the kernel's coarse clock (a few ms behind); the last save before this
  // point was the fit, over half a second ago.
  const auto before_term =
      std::filesystem::file_time_type::clock::now() - std::chrono::milliseconds(100);
  const auto t0 = Clock::now();
  sidecar.Signal(SIGTERM);
  const int code = sidecar.Wait(std::chrono::seconds(20));
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(code, 0) << sidecar.Log();
  EXPECT_LT(seconds, 5.0 + 1.0) << "--shutdown.timeout is 5s\n" << sidecar.Log();
  EXPECT_GE(std::filesystem::last_write_time(state), before_term) << "state saved at shutdown\n"
                                                                  << sidecar.Log();
  EXPECT_NE(sidecar.Log().find("state saved, exiting"), std::string::npos) << sidecar.Log();
}

}  // namespace
}  // namespace streamlens
