#include "exporter/loadgen/jolokia_server.h"

#include <chrono>

#include "exporter/loadgen/jolokia_agent.h"

namespace streamlens::exporter::loadgen {

Result<JolokiaEndpoints> StartJolokiaEndpoints(const SimulatedJmx& jmx,
                                               const std::string& listen_address, Logger logger) {
  HttpServerOptions o;
  o.program = "streamlens-loadgen (simulated Jolokia agents)";
  o.listen_address = listen_address;
  auto server = HttpServer::Create(o, logger);
  if (!server.ok()) return server.status();
  for (int b = 1; b <= jmx.layout().brokers; ++b) {
    (*server)->HandlePost("/jolokia/" + std::to_string(b), [&jmx, b](const HttpRequest& req) {
      HttpResponse r;
      auto beans = jmx.Read(b);
      if (!beans.ok()) {
        r.status = 503;
        r.body = "{\"error\":\"" + beans.status().message() + "\",\"status\":503}";
        return r;
      }
      const double now =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      auto body = AnswerJolokiaRead(req.body, *beans, now);
      if (!body.ok()) {
        r.status = 400;
        r.body = "{\"error\":\"" + body.status().message() + "\",\"status\":400}";
        return r;
      }
      r.body = std::move(*body);
      return r;
    });
  }
  STREAMLENS_RETURN_IF_ERROR((*server)->Start());
  std::string host = listen_address.substr(0, listen_address.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  JolokiaEndpoints out;
  for (int b = 1; b <= jmx.layout().brokers; ++b) {
    out.urls += (b > 1 ? "," : "") + std::to_string(b) + "=http://" + host + ":" +
                std::to_string((*server)->port()) + "/jolokia/" + std::to_string(b);
  }
  out.server = std::move(*server);
  return out;
}

}  // namespace streamlens::exporter::loadgen
