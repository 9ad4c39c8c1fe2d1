// A stand-in for a Kafka broker's Jolokia agent, for the exporter's integration tests.
//
// Registers MBeans under Kafka's object names with Yammer-style attributes (as Kafka's
// JmxReporter does) from a spec file, and serves the real Jolokia protocol through Debian's
// jolokia-core (org.jolokia.http.HttpRequestHandler) behind com.sun.net.httpserver.
//
// Usage: java -cp jolokia-core.jar:. JolokiaTestServer <spec-file> [<slow-delay-ms>]
// Prints "port=<n>" once listening on 127.0.0.1 (ephemeral port), then serves until stdin closes.
//
// Spec lines (values derive from <base> so the test can compute every expected value):
//   meter     <object name> <base>   Count=base MeanRate=base+0.5 OneMinuteRate=base+1.25
//                                    FiveMinuteRate=base+2.5 FifteenMinuteRate=base+3.75
//                                    EventType="requests" RateUnit=SECONDS
//   histogram <object name> <base>   Count=base Min=base+0.1 Max=base+100 Mean=base+10.5
//                                    StdDev=base+0.25 50thPercentile=base+50 75thPercentile=base+75
//                                    95thPercentile=base+95 98thPercentile=base+98
//                                    99thPercentile=base+99 999thPercentile=base+99.9
//   timer     <object name> <base>   histogram attributes + meter rate attributes
//   gauge     <object name> <value>  Value=value (a double)
//   longgauge <object name> <value>  Value=value (a long)
//   failing   <object name>          Value getter throws (a broken MBean)
//
// Contexts: /jolokia (normal), /slow (waits <slow-delay-ms> first), /garbage (200, not JSON),
// /error500 (HTTP 500), /truncated (announces the full length, sends half, closes).
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.jolokia.backend.BackendManager;
import org.jolokia.config.ConfigKey;
import org.jolokia.config.Configuration;
import org.jolokia.http.HttpRequestHandler;
import org.jolokia.util.LogHandler;

public class JolokiaTestServer {
  public interface MeterMBean {
    long getCount();
    double getMeanRate();
    double getOneMinuteRate();
    double getFiveMinuteRate();
    double getFifteenMinuteRate();
    String getEventType();
    TimeUnit getRateUnit();
  }

  public interface HistogramMBean {
    long getCount();
    double getMin();
    double getMax();
    double getMean();
    double getStdDev();
    double get50thPercentile();
    double get75thPercentile();
    double get95thPercentile();
    double get98thPercentile();
    double get99thPercentile();
    double get999thPercentile();
  }

  public interface TimerMBean extends HistogramMBean {
    double getMeanRate();
    double getOneMinuteRate();
    double getFiveMinuteRate();
    double getFifteenMinuteRate();
    String getEventType();
    TimeUnit getRateUnit();
    TimeUnit getLatencyUnit();
  }

  public interface GaugeMBean {
    Object getValue();
  }

  public static class Meter implements MeterMBean {
    final long base;
    Meter(long b) { base = b; }
    public long getCount() { return base; }
    public double getMeanRate() { return base + 0.5; }
    public double getOneMinuteRate() { return base + 1.25; }
    public double getFiveMinuteRate() { return base + 2.5; }
    public double getFifteenMinuteRate() { return base + 3.75; }
    public String getEventType() { return "requests"; }
    public TimeUnit getRateUnit() { return TimeUnit.SECONDS; }
  }

  public static class Histogram implements HistogramMBean {
    final long base;
    Histogram(long b) { base = b; }
    public long getCount() { return base; }
    public double getMin() { return base + 0.1; }
    public double getMax() { return base + 100; }
    public double getMean() { return base + 10.5; }
    public double getStdDev() { return base + 0.25; }
    public double get50thPercentile() { return base + 50; }
    public double get75thPercentile() { return base + 75; }
    public double get95thPercentile() { return base + 95; }
    public double get98thPercentile() { return base + 98; }
    public double get99thPercentile() { return base + 99; }
    public double get999thPercentile() { return base + 99.9; }
  }

  public static class Timer extends Histogram implements TimerMBean {
    Timer(long b) { super(b); }
    public double getMeanRate() { return base + 0.5; }
    public double getOneMinuteRate() { return base + 1.25; }
    public double getFiveMinuteRate() { return base + 2.5; }
    public double getFifteenMinuteRate() { return base + 3.75; }
    public String getEventType() { return "calls"; }
    public TimeUnit getRateUnit() { return TimeUnit.SECONDS; }
    public TimeUnit getLatencyUnit() { return TimeUnit.MILLISECONDS; }
  }

  public static class Gauge implements GaugeMBean {
    final Object value;
    Gauge(Object v) { value = v; }
    public Object getValue() { return value; }
  }

  public static class Failing implements GaugeMBean {
    public Object getValue() { throw new IllegalStateException("broken gauge"); }
  }

  static HttpRequestHandler handler;
  static long slowDelayMs = 3000;

  public static void main(String[] args) throws Exception {
    if (args.length > 1) slowDelayMs = Long.parseLong(args[1]);
    MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
    int line = 0;
    for (String raw : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
      ++line;
      String s = raw.trim();
      if (s.isEmpty() || s.startsWith("#")) continue;
      String[] f = s.split("\\s+");
      ObjectName name = new ObjectName(f[1]);
      StandardMBean bean;
      switch (f[0]) {
        case "meter": bean = new StandardMBean(new Meter(Long.parseLong(f[2])), MeterMBean.class); break;
        case "histogram":
          bean = new StandardMBean(new Histogram(Long.parseLong(f[2])), HistogramMBean.class);
          break;
        case "timer": bean = new StandardMBean(new Timer(Long.parseLong(f[2])), TimerMBean.class); break;
        case "gauge":
          bean = new StandardMBean(new Gauge(Double.parseDouble(f[2])), GaugeMBean.class);
          break;
        case "longgauge":
          bean = new StandardMBean(new Gauge(Long.parseLong(f[2])), GaugeMBean.class);
          break;
        case "failing": bean = new StandardMBean(new Failing(), GaugeMBean.class); break;
        default: throw new IllegalArgumentException(args[0] + ":" + line + ": unknown kind " + f[0]);
      }
      mbs.registerMBean(bean, name);
    }

    LogHandler log = new LogHandler() {
      public void debug(String m) {}
      public void info(String m) {}
      public void error(String m, Throwable t) { System.err.println("jolokia: " + m); }
    };
    Configuration config = new Configuration(ConfigKey.AGENT_ID, "streamlens-test");
    handler = new HttpRequestHandler(config, new BackendManager(config, log), log);

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.createContext("/jolokia", ex -> serve(ex, 0));
    server.createContext("/slow", ex -> serve(ex, slowDelayMs));
    server.createContext("/garbage", ex -> {
      drain(ex);
      byte[] body = "<html>this is not JSON {\"status\":".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) { os.write(body); }
    });
    server.createContext("/error500", ex -> {
      drain(ex);
      byte[] body = "internal error".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(500, body.length);
      try (OutputStream os = ex.getResponseBody()) { os.write(body); }
    });
    server.createContext("/truncated", ex -> {
      byte[] full = jolokia(ex);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, full.length);
      OutputStream os = ex.getResponseBody();
      os.write(full, 0, full.length / 2);
      os.flush();
      // Closing with bytes missing makes the server drop the connection mid-body.
      try { os.close(); } catch (java.io.IOException e) { }
      ex.close();
    });
    server.start();
    System.out.println("port=" + server.getAddress().getPort());
    System.out.flush();
    // Runs until the test closes our stdin (or dies, which closes it too).
    while (System.in.read() >= 0) {}
    server.stop(0);
    System.exit(0);
  }

  static void drain(HttpExchange ex) throws java.io.IOException {
    try (InputStream in = ex.getRequestBody()) { in.readAllBytes(); }
  }

  static Map<String, String[]> params(HttpExchange ex) throws java.io.IOException {
    Map<String, String[]> p = new HashMap<>();
    String q = ex.getRequestURI().getRawQuery();
    if (q == null) return p;
    for (String kv : q.split("&")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) continue;
      p.put(URLDecoder.decode(kv.substring(0, eq), "UTF-8"),
            new String[] {URLDecoder.decode(kv.substring(eq + 1), "UTF-8")});
    }
    return p;
  }

  static byte[] jolokia(HttpExchange ex) throws java.io.IOException {
    byte[] in;
    try (InputStream is = ex.getRequestBody()) { in = is.readAllBytes(); }
    Object answer;
    try {
      answer = handler.handlePostRequest(ex.getRequestURI().toString(), new ByteArrayInputStream(in),
                                         "UTF-8", params(ex));
    } catch (Throwable t) {
      answer = handler.handleThrowable(t);
    }
    return ((org.json.simple.JSONAware) answer).toJSONString().getBytes(StandardCharsets.UTF_8);
  }

  static void serve(HttpExchange ex, long delayMs) throws java.io.IOException {
    try {
      byte[] body = jolokia(ex);
      if (delayMs > 0) {
        try { Thread.sleep(delayMs); } catch (InterruptedException e) { }
      }
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) { os.write(body); }
    } catch (java.io.IOException e) {
      ex.close();
    }
  }
}
