#!/usr/bin/env python3
"""Builds the Grafana dashboards in grafana/dashboards/*.json (run it after editing; the JSON is
committed so Grafana provisioning needs nothing but the files).

Every dashboard has a `datasource` variable of type datasource (plugin prometheus), and each
panel and target refers to it as ${datasource}. The queries use the recording rules in
rules/streamlens-recording.yml and the families streamlens-exporter and streamlens-sidecar serve.
tests/ecosystem/check_dashboards.py checks the schema fields and runs every query against a
real Prometheus holding generated history.

Usage: build_dashboards.py [OUTPUT_DIR]   (default: grafana/dashboards next to this script)
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 37  # Grafana 9.x


class Dash:
    def __init__(self, uid, title, description, tags, variables=()):
        self.uid, self.title, self.description, self.tags = uid, title, description, tags
        self.panels = []
        self.x = self.y = 0
        self.row_h = 0
        self.variables = list(variables)

    def row(self, title):
        self.newline()
        self.panels.append({"id": len(self.panels) + 1, "type": "row", "title": title, "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def newline(self):
        if self.x:
            self.y += self.row_h
            self.x = self.row_h = 0

    def panel(self, ptype, title, targets, w=12, h=8, unit=None, description="", options=None,
              overrides=None, min_=None, max_=None, thresholds=None, transformations=None):
        if self.x + w > 24:
            self.newline()
        defaults = {}
        if unit:
            defaults["unit"] = unit
        if min_ is not None:
            defaults["min"] = min_
        if max_ is not None:
            defaults["max"] = max_
        if thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": [
                {"color": c, "value": v} for v, c in thresholds]}
        p = {
            "id": len(self.panels) + 1,
            "type": ptype,
            "title": title,
            "description": description,
            "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
            "options": options or {},
            "targets": [],
        }
        if transformations:
            p["transformations"] = transformations
        for i, t in enumerate(targets):
            expr, legend = t[0], t[1]
            extra = t[2] if len(t) > 2 else {}
            tgt = {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend,
                   "range": ptype in ("timeseries", "state-timeline"), "instant": ptype not in ("timeseries", "state-timeline")}
            if ptype == "table":
                tgt["format"] = "table"
            tgt.update(extra)
            p["targets"].append(tgt)
        self.panels.append(p)
        self.x += w
        self.row_h = max(self.row_h, h)
        return p

    def json(self):
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["streamlens", "kafka"] + self.tags,
            "editable": True,
            "graphTooltip": 1,
            "schemaVersion": SCHEMA_VERSION,
            "version": 1,
            "timezone": "",
            "refresh": "1m",
            "time": {"from": "now-6h", "to": "now"},
            "timepicker": {},
            "annotations": {"list": [{
                "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts", "type": "dashboard"}]},
            "links": [{"type": "dashboards", "tags": ["streamlens"], "asDropdown": True,
                       "title": "streamlens", "includeVars": True, "keepTime": True}],
            "templating": {"list": [datasource_var()] + self.variables},
            "panels": self.panels,
        }


def datasource_var():
    return {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []}


def query_var(name, label, query, multi=True, include_all=True):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "definition": query, "query": {"query": query, "refId": f"{name}-var"},
            "refresh": 2, "sort": 1, "multi": multi, "includeAll": include_all,
            "current": {}, "options": [], "hide": 0, "regex": ""}


def cluster_overview():
    d = Dash("streamlens-cluster", "Kafka cluster overview",
             "Brokers, partitions health, traffic and consumer groups at a glance (streamlens-exporter).",
             ["overview"])
    d.panel("stat", "Brokers", [("max(kafka_brokers)", "brokers")], w=4, h=4)
    d.panel("stat", "Active controllers", [("sum(kafka_controller_kafkacontroller_activecontrollercount)", "")],
            w=4, h=4, thresholds=[(None, "red"), (1, "green"), (2, "red")])
    d.panel("stat", "Offline partitions",
            [("count(kafka_topic_partition_leader < 0) or sum(kafka_controller_kafkacontroller_offlinepartitionscount)", "")],
            w=4, h=4, thresholds=[(None, "green"), (1, "red")])
    d.panel("stat", "Under-replicated partitions", [("sum(kafka_topic_partition_under_replicated_partition)", "")],
            w=4, h=4, thresholds=[(None, "green"), (1, "orange")])
    d.panel("stat", "Under min ISR", [("sum(kafka_server_replicamanager_underminisrpartitioncount)", "")],
            w=4, h=4, thresholds=[(None, "green"), (1, "red")])
    d.panel("stat", "Partitions", [("sum(kafka_topic_partitions)", "")], w=4, h=4)
    d.row("Traffic")
    d.panel("timeseries", "Bytes in per broker", [("broker:kafka_server_brokertopicmetrics_bytesin:rate5m", "broker {{broker}}")],
            unit="Bps")
    d.panel("timeseries", "Bytes out per broker", [("broker:kafka_server_brokertopicmetrics_bytesout:rate5m", "broker {{broker}}")],
            unit="Bps")
    d.panel("timeseries", "Messages produced per topic", [("topic:kafka_topic_partition_current_offset:rate5m", "{{topic}}")],
            unit="short", description="From the high watermarks: messages appended per second.")
    d.panel("timeseries", "Retained messages per topic", [("topic:kafka_topic_partition_retained_messages:sum", "{{topic}}")],
            unit="short")
    d.row("Consumer groups")
    d.panel("table", "Consumer group status", [
        ("max by (consumergroup, status) (streamlens_consumergroup_status_info == 1)", ""),
        ("max by (consumergroup) (streamlens_consumergroup_group_status)", "")],
        w=8, description="Burrow's group evaluation: OK, WARN, or ERR when a partition is STOP, STALL or REWIND.")
    d.panel("timeseries", "Lag per group and topic", [("consumergroup_topic:kafka_consumergroup_lag:sum", "{{consumergroup}} / {{topic}}")],
            w=8, unit="short")
    d.panel("timeseries", "Lag in seconds (worst partition)",
            [("consumergroup_topic:streamlens_consumergroup_lag_seconds:max", "{{consumergroup}} / {{topic}}")], w=8, unit="s")
    d.row("Topics")
    d.panel("table", "Topic configuration", [
        ("max by (topic) (kafka_topic_replication_factor)", "", {"format": "table"}),
        ("max by (topic) (kafka_topic_config_min_insync_replicas)", "", {"format": "table"}),
        ("max by (topic) (kafka_topic_config_retention_seconds)", "", {"format": "table"}),
        ("max by (topic) (kafka_topic_config_retention_bytes)", "", {"format": "table"}),
        ("max by (topic, policy) (kafka_topic_config_cleanup_policy_info)", "", {"format": "table"})],
        w=24, h=7, description="Replication factor (metadata) and DescribeConfigs values: min.insync.replicas, "
                               "retention.ms in seconds and retention.bytes (+Inf: no limit), cleanup.policy. "
                               "Empty where the cluster refuses DescribeConfigs "
                               "(streamlens_exporter_kafka_topic_configs_supported 0).")
    return d


def consumer_lag():
    d = Dash("streamlens-consumer-lag", "Kafka consumer lag",
             "Lag in messages and seconds per group, with the sidecar's expected band (yhat), "
             "forecasts and time to the lag SLA.", ["consumers"], [
                 query_var("consumergroup", "Group", "label_values(kafka_consumergroup_lag, consumergroup)"),
                 query_var("topic", "Topic", 'label_values(kafka_consumergroup_lag{consumergroup=~"$consumergroup"}, topic)'),
             ])
    sel = 'consumergroup=~"$consumergroup",topic=~"$topic"'
    d.panel("timeseries", "Lag (messages)", [(f"consumergroup_topic:kafka_consumergroup_lag:sum{{{sel}}}", "{{consumergroup}} / {{topic}}")],
            unit="short")
    d.panel("timeseries", "Lag (seconds behind the head, worst partition)",
            [(f"streamlens_consumergroup_max_lag_seconds{{{sel}}}", "{{consumergroup}} / {{topic}}")], unit="s")
    d.panel("timeseries", "Consumed vs produced", [
        (f"consumergroup_topic:kafka_consumergroup_current_offset:rate5m{{{sel}}}", "consumed {{consumergroup}} / {{topic}}"),
        ('topic:kafka_topic_partition_current_offset:rate5m{topic=~"$topic"}', "produced {{topic}}")], unit="short")
    d.panel("timeseries", "Lag per partition", [
        (f"kafka_consumergroup_lag{{{sel}}}", "{{consumergroup}} / {{topic}} / {{partition}}")], unit="short")
    d.row("Expected lag (streamlens-sidecar)")
    fsel = f'for=~"consumer_lag.*",{sel}'
    band_override = [
        {"matcher": {"id": "byRegexp", "options": "upper.*"},
         "properties": [{"id": "custom.fillBelowTo", "value": "lower"}, {"id": "custom.lineWidth", "value": 0}]},
        {"matcher": {"id": "byRegexp", "options": "lower.*"},
         "properties": [{"id": "custom.lineWidth", "value": 0}]},
    ]
    d.panel("timeseries", "Lag against its expected band", [
        (f"max by (consumergroup, topic) (streamlens_y{{{fsel}}})", "actual {{consumergroup}} / {{topic}}"),
        (f"max by (consumergroup, topic) (streamlens_yhat{{{fsel}}})", "expected {{consumergroup}} / {{topic}}"),
        (f"max by (consumergroup, topic) (streamlens_yhat_upper{{{fsel}}})", "upper"),
        (f"max by (consumergroup, topic) (streamlens_yhat_lower{{{fsel}}})", "lower")],
        w=16, overrides=band_override)
    d.panel("timeseries", "Anomaly score (1 = band edge)", [
        (f"max by (consumergroup, topic) (streamlens_anomaly_score{{{fsel}}})", "{{consumergroup}} / {{topic}}")],
        w=8, thresholds=[(None, "green"), (1, "red")], min_=0)
    d.row("Forecast and SLA")
    fcs = f'for=~"consumer_lag_seconds.*",{sel}'
    d.panel("timeseries", "Forecast of lag seconds", [
        (f"max by (consumergroup, topic, horizon) (streamlens_forecast{{{fcs}}})", "{{consumergroup}} / {{topic}} in {{horizon}}"),
        (f"max by (consumergroup, topic, horizon) (streamlens_forecast_upper{{{fcs}}})", "upper {{horizon}}"),
        (f"max by (consumergroup, topic, horizon) (streamlens_forecast_lower{{{fcs}}})", "lower {{horizon}}")],
        w=12, unit="s")
    d.panel("table", "Time to SLA breach", [
        (f"min by (consumergroup, topic, threshold) (streamlens_time_to_threshold_seconds{{{fcs}}})", "")],
        w=6, unit="s", description="Seconds until the forecast crosses the SLA threshold (label threshold, seconds).")
    d.panel("bargauge", "Breach probability", [
        (f"max by (consumergroup, topic, threshold, horizon) (streamlens_threshold_breach_probability{{{fcs}}})",
         "{{consumergroup}} / {{topic}}: > {{threshold}} s within {{horizon}}")], w=6, unit="percentunit", min_=0, max_=1,
        thresholds=[(None, "green"), (0.5, "orange"), (0.8, "red")],
        description="Probability that the lag in seconds is beyond the SLA threshold (label threshold) within the "
                    "horizon, one bar per threshold and horizon; 1 while breaching.")
    d.panel("state-timeline", "SLA breached now", [
        (f"max by (consumergroup, topic, threshold) (streamlens_threshold_breached{{{fcs}}})",
         "{{consumergroup}} / {{topic}} > {{threshold}} s")], w=24, h=6,
        description="1 while the latest lag in seconds is beyond the threshold (is breaching), 0 otherwise; "
                    "the forecast panels above say when it will be (will breach).")
    d.row("Health")
    d.panel("state-timeline", "Partition status (Burrow codes)", [
        (f"streamlens_consumergroup_status{{{sel}}}", "{{consumergroup}} / {{topic}} / {{partition}}")],
        w=16, description="1 OK, 2 WARN, 3 ERR, 4 STOP, 5 STALL, 6 REWIND.")
    d.panel("stat", "Members", [('kafka_consumergroup_members{consumergroup=~"$consumergroup"}', "{{consumergroup}}")], w=4)
    d.panel("stat", "Uncommitted partitions",
            [('consumergroup:kafka_consumergroup_uncommitted_partitions:sum{consumergroup=~"$consumergroup"}', "{{consumergroup}}")], w=4)
    return d


def brokers():
    d = Dash("streamlens-brokers", "Kafka brokers",
             "Per-broker traffic, request metrics, outlier scores and the CPU model.", ["brokers"], [
                 query_var("broker", "Broker", "label_values(kafka_server_brokertopicmetrics_bytesin_total, broker)")])
    b = 'broker=~"$broker"'
    d.panel("timeseries", "Bytes in", [(f"broker:kafka_server_brokertopicmetrics_bytesin:rate5m{{{b}}}", "broker {{broker}}")], w=8, unit="Bps")
    d.panel("timeseries", "Bytes out", [(f"broker:kafka_server_brokertopicmetrics_bytesout:rate5m{{{b}}}", "broker {{broker}}")], w=8, unit="Bps")
    d.panel("timeseries", "Messages in", [(f"broker:kafka_server_brokertopicmetrics_messagesin:rate5m{{{b}}}", "broker {{broker}}")], w=8, unit="short")
    d.panel("timeseries", "Requests per second", [
        (f"broker_request:kafka_network_requestmetrics_requests:rate5m{{{b}}}", "{{broker}} {{request}}")], w=8, unit="reqps")
    d.panel("timeseries", "Request total time p99", [
        (f'kafka_network_requestmetrics_totaltimems{{{b},quantile="0.99"}}', "{{broker}} {{request}}")], w=8, unit="ms")
    d.panel("timeseries", "Request handler and network idle", [
        (f"kafka_server_kafkarequesthandlerpool_requesthandleravgidlepercent_oneminuterate{{{b}}}", "handlers {{broker}}"),
        (f"kafka_network_socketserver_networkprocessoravgidlepercent{{{b}}}", "network {{broker}}")],
        w=8, unit="percentunit", min_=0, max_=1, description="Healthy above 0.3.")
    d.row("Replication")
    d.panel("timeseries", "Under-replicated partitions", [
        (f"kafka_server_replicamanager_underreplicatedpartitions{{{b}}}", "broker {{broker}}")], w=8)
    d.panel("timeseries", "Partitions and leaders", [
        (f"kafka_server_replicamanager_partitioncount{{{b}}}", "partitions {{broker}}"),
        (f"kafka_server_replicamanager_leadercount{{{b}}}", "leaders {{broker}}")], w=8)
    d.panel("timeseries", "ISR shrinks", [(f"rate(kafka_server_replicamanager_isrshrinks_total{{{b}}}[$__rate_interval])", "broker {{broker}}")], w=8)
    d.row("Disk")
    d.panel("timeseries", "Log size on disk", [(f"broker:kafka_log_log_size:sum{{{b}}}", "broker {{broker}}")], w=8,
            unit="bytes", description="Sum of the kafka.log Log Size MBeans (Jolokia) per broker.")
    d.panel("timeseries", "Log directories fill", [(f"broker:kafka_log_dir_fill:ratio{{{b}}}", "broker {{broker}}")], w=8,
            unit="percentunit", min_=0, max_=1,
            description="Log size / kafka_broker_log_dir_capacity_bytes (provided by the operator).")
    d.panel("timeseries", "Time until the disk fill threshold (forecast)", [
        (f'min by (broker, threshold) (streamlens_time_to_threshold_seconds{{for="broker_disk_usage",{b}}})',
         "broker {{broker}} at {{threshold}}")], w=8, unit="s",
        description="The sidecar's broker_disk_usage job: when the forecast fill ratio reaches 0.8 and 0.9.")
    d.row("End-to-end probe (streamlens-exporter --probe.enabled)")
    q = "histogram_quantile(0.99, sum by (leader, le) (rate(streamlens_end_to_end_{}_latency_seconds_bucket[$__rate_interval])))"
    d.panel("timeseries", "Roundtrip p99 per partition leader", [(q.format("roundtrip"), "leader {{leader}}")], w=8, unit="s",
            description="Produce (acks=all) to the probe topic and read back, by the partition's leader: "
                        "a slow broker's line rises while the others stay flat.")
    d.panel("timeseries", "Produce-ack p99 per partition leader", [(q.format("produce"), "leader {{leader}}")], w=8, unit="s")
    d.panel("timeseries", "Commit latency p99", [
        ("histogram_quantile(0.99, sum by (le) (rate(streamlens_end_to_end_commit_latency_seconds_bucket[$__rate_interval])))", "commit")],
        w=8, unit="s")
    d.panel("timeseries", "Probe messages per leader", [
        ("sum by (leader) (rate(streamlens_end_to_end_messages_produced_total[$__rate_interval]))", "produced {{leader}}"),
        ("sum by (leader) (rate(streamlens_end_to_end_messages_received_total[$__rate_interval]))", "received {{leader}}"),
        ("sum by (leader) (rate(streamlens_end_to_end_messages_lost_total[$__rate_interval]))", "lost {{leader}}"),
        ("sum by (leader) (rate(streamlens_end_to_end_messages_duplicated_total[$__rate_interval]))", "duplicated {{leader}}")],
        w=24, unit="short")
    d.row("Analyses (streamlens-sidecar)")
    d.panel("timeseries", "Outlier score among peers (1 = threshold)", [
        (f"streamlens_outlier_score{{{b}}}", "{{broker}} {{for}}")], w=8, min_=0, thresholds=[(None, "green"), (1, "red")],
        description="broker_traffic_peers: bytes in/out and messages in; broker_state_peers: request handler idle, "
                    "partition and leader counts (robust z across the brokers).")
    d.panel("timeseries", "CPU: actual vs predicted from load", [
        (f"java_lang_operatingsystem_processcpuload{{{b}}}", "actual {{broker}}"),
        (f"streamlens_broker_cpu_predicted_ratio{{{b}}}", "predicted {{broker}}")], w=12, unit="percentunit", min_=0)
    d.panel("stat", "CPU model R²", [("max(streamlens_broker_cpu_model_r2)", "")], w=4, min_=0, max_=1,
            thresholds=[(None, "red"), (0.7, "orange"), (0.9, "green")])
    d.panel("timeseries", "CPU not explained by load (residual)", [
        (f"streamlens_broker_cpu_residual_ratio{{{b}}}", "broker {{broker}}")], w=12, unit="percentunit",
        description="Observed minus predicted CPU: GC, compaction, a noisy neighbour. KafkaBrokerCpuUnexplained "
                    "fires above 0.2.")
    d.panel("table", "CPU model", [
        ("max by (feature) (streamlens_broker_cpu_model_coefficient)", "", {"format": "table"}),
        ("max(streamlens_broker_cpu_model_intercept_ratio)", "", {"format": "table"}),
        ("max(streamlens_broker_cpu_model_residual_stddev_ratio)", "", {"format": "table"}),
        ("max(streamlens_broker_cpu_model_samples)", "", {"format": "table"})], w=12,
        description="CPU ratio per unit of each feature (per byte/s, request/s, message/s), CPU at zero load, "
                    "residual standard deviation and the broker x time rows fitted.")
    d.row("Expected values and forecasts per broker (streamlens-sidecar)")
    ib = f'for="request_handler_idle",{b}'
    d.panel("timeseries", "Request handler idle against its expected band", [
        (f"streamlens_y{{{ib}}}", "actual {{broker}}"),
        (f"streamlens_yhat{{{ib}}}", "expected {{broker}}"),
        (f"streamlens_yhat_upper{{{ib}}}", "upper {{broker}}"),
        (f"streamlens_yhat_lower{{{ib}}}", "lower {{broker}}")], w=12, unit="percentunit", min_=0, max_=1)
    d.panel("timeseries", "Anomaly scores: handler idle, under-replicated, CPU (1 = band edge)", [
        (f'max by (for, broker) (streamlens_anomaly_score{{for=~"request_handler_idle|under_replicated|broker_cpu",{b}}})',
         "{{for}} {{broker}}")], w=12, min_=0, thresholds=[(None, "green"), (1, "red")])
    ub = f'for="under_replicated",{b}'
    d.panel("timeseries", "Under-replicated partitions against the expected band", [
        (f"streamlens_y{{{ub}}}", "actual {{broker}}"),
        (f"streamlens_yhat_upper{{{ub}}}", "upper {{broker}}")], w=8)
    cb = f'for="broker_cpu",{b}'
    d.panel("timeseries", "CPU forecast", [
        (f"max by (broker, horizon) (streamlens_forecast{{{cb}}})", "{{broker}} in {{horizon}}"),
        (f"max by (broker, horizon) (streamlens_forecast_upper{{{cb}}})", "upper {{broker}} {{horizon}}")],
        w=8, unit="percentunit", min_=0)
    d.panel("table", "Time until CPU reaches its threshold", [
        (f"min by (broker, threshold) (streamlens_time_to_threshold_seconds{{{cb}}})", "", {"format": "table"}),
        (f"max by (broker, threshold, horizon) (streamlens_threshold_breach_probability{{{cb}}})", "", {"format": "table"})],
        w=8, unit="s", description="broker_cpu job: seconds until the forecast CPU reaches 0.8 (0 while beyond) "
                                   "and the probability of being beyond it within each horizon.")
    d.panel("state-timeline", "Capacity thresholds breached now", [
        (f'max by (for, broker, threshold) (streamlens_threshold_breached{{for=~"broker_cpu|broker_disk_usage",{b}}})',
         "{{for}} {{broker}} > {{threshold}}")], w=24, h=6,
        description="1 while the broker's CPU (broker_cpu) or log directory fill (broker_disk_usage) is beyond the "
                    "threshold.")
    return d


def anomalies():
    d = Dash("streamlens-anomalies", "Anomalies and root causes",
             "The sidecar's anomaly scores across jobs, the series behind them and the ranked causes.",
             ["anomalies"], [query_var("job_for", "Job (for)", "label_values(streamlens_anomaly_score, for)")])
    f = 'for=~"$job_for"'
    d.panel("stat", "Anomalous series (score > 1)", [(f"count(streamlens_anomaly_score{{{f}}} > 1)", "")], w=6, h=6,
            thresholds=[(None, "green"), (1, "red")])
    d.panel("table", "Top anomalies", [(f"topk(20, streamlens_anomaly_score{{{f}}})", "")], w=18, h=6,
            transformations=[{"id": "sortBy", "options": {"sort": [{"field": "Value", "desc": True}]}}])
    d.panel("timeseries", "Anomaly scores", [(f"max by (for) (streamlens_anomaly_score{{{f}}})", "{{for}}")],
            w=24, min_=0, thresholds=[(None, "green"), (1, "red")])
    d.panel("timeseries", "Deviation from expected (actual - yhat)", [
        (f"streamlens_y{{{f}}} - streamlens_yhat{{{f}}}", "{{for}} {{consumergroup}}{{topic}}{{broker}}")],
        w=24, description="Per series: how far the actual value is from the sidecar's expectation. "
        "The consumer lag and brokers dashboards show one series with its band.")
    d.row("Root causes")
    d.panel("table", "Ranked causes", [("sort_desc(streamlens_rootcause_score)", "")], w=16,
            description="Candidates ranked by how well their change explains the target's (label for).")
    d.panel("bargauge", "Best cause per layer", [("max by (layer) (streamlens_rootcause_score)", "{{layer}}")], w=8,
            min_=0, max_=1)
    return d


def recommendations():
    d = Dash("streamlens-recommendations", "Recommendations and what-if",
             "Partitions and consumers needed for the lag SLA, broker-failure what-if, add-broker and "
             "rebalance impact.", ["capacity"])
    d.panel("table", "Partitions: recommended vs current", [
        ("streamlens_recommended_partitions", "", {"format": "table"}),
        ("max by (topic) (kafka_topic_partitions)", "", {"format": "table"})], w=12)
    d.panel("table", "Consumers: recommended vs current members", [
        ("max by (consumergroup, topic) (streamlens_recommended_consumers)", "", {"format": "table"}),
        ("max by (consumergroup) (kafka_consumergroup_members)", "", {"format": "table"})], w=12,
        description="Consumers needed to keep the lag under the SLA at the forecast peak input rate, with the "
                    "backlog drained within the SLA.")
    d.panel("table", "Consumer capacity and required rate", [
        ("max by (consumergroup, topic) (streamlens_consumer_capacity_per_consumer_messages_per_second)", "",
         {"format": "table"}),
        ("max by (consumergroup, topic) (streamlens_recommendation_required_messages_per_second)", "",
         {"format": "table"})], w=16, unit="short",
        description="Messages per second one consumer handles (learned from catch-up periods) and the rate the "
                    "group must sustain: peak input x (1 + headroom) + lag / SLA.")
    d.panel("table", "Time to lag SLA breach", [
        ("min by (for, consumergroup, topic, threshold) (streamlens_time_to_threshold_seconds)", "")], w=8, unit="s")
    d.row("Rebalance and add a broker")
    d.panel("bargauge", "Rebalance impact: busiest broker's load", [
        ("max(streamlens_rebalance_peak_load_before_ratio)", "before"),
        ("max(streamlens_rebalance_peak_load_after_ratio)", "after the plan")], w=8, unit="percentunit", min_=0,
        thresholds=[(None, "green"), (0.8, "orange"), (1, "red")],
        description="Peak predicted load (CPU ratio with the CPU model, else relative to today's busiest broker) "
                    "before and after the sidecar's rebalance plan (GET /api/v1/rebalance/plan).")
    d.panel("stat", "Proposed leader/replica moves", [("max(streamlens_rebalance_proposed_moves)", "")], w=4)
    d.panel("bargauge", "Add a broker: busiest broker's load", [
        ("max(streamlens_broker_predicted_load_ratio)", "today"),
        ("max(streamlens_add_broker_peak_load_ratio)", "with one more broker")], w=6, unit="percentunit", min_=0,
        thresholds=[(None, "green"), (0.8, "orange"), (1, "red")],
        description="GET /api/v1/whatif/add-broker: the peak after adding one broker and rebalancing onto it.")
    d.panel("bargauge", "Predicted load per broker today", [
        ("streamlens_broker_predicted_load_ratio", "broker {{broker}}")], w=6, unit="percentunit", min_=0,
        thresholds=[(None, "green"), (0.8, "orange"), (1, "red")])
    d.panel("stat", "Placement data behind the plans", [
        ("min(streamlens_placement_data_coverage_ratio)", "partitions complete"),
        ("min(streamlens_placement_data_freshness_ratio)", "replica series current")], w=6,
        unit="percentunit", min_=0, max_=1, thresholds=[(None, "red"), (0.995, "green")],
        description="Below placement.min_coverage (default 99.5%) no plan is published "
                    "(status insufficient_data).")
    d.row("What if a broker fails")
    d.panel("bargauge", "Partitions that would go offline", [
        ("streamlens_broker_failure_offline_partitions", "broker {{broker}}")], w=6,
        thresholds=[(None, "green"), (1, "red")])
    d.panel("bargauge", "Partitions that would fall under min ISR", [
        ("streamlens_broker_failure_under_min_isr_partitions", "broker {{broker}}")], w=6,
        thresholds=[(None, "green"), (1, "orange")])
    d.panel("bargauge", "Peak load of the survivors", [
        ("streamlens_broker_failure_peak_load_ratio", "without broker {{broker}}")], w=6, unit="percentunit",
        thresholds=[(None, "green"), (0.8, "orange"), (1, "red")])
    d.panel("stat", "Data loss threat", [
        ("max by (broker) (streamlens_broker_failure_data_loss_threat)", "broker {{broker}}")], w=6,
        thresholds=[(None, "green"), (1, "red")],
        description="1: a failure of this broker would leave some partition with one in-sync copy or none.")
    return d


def self_monitoring():
    d = Dash("streamlens-self", "streamlens self-monitoring",
             "Health of streamlens-exporter and streamlens-sidecar: collections, jobs, sources, resources.",
             ["self"])
    d.panel("stat", "Targets up", [('up{job=~"streamlens-.*"}', "{{job}} {{instance}}")], w=8, h=4,
            thresholds=[(None, "red"), (1, "green")])
    d.panel("stat", "Kafka reachable", [("kafka_up", "{{instance}}")], w=4, h=4, thresholds=[(None, "red"), (1, "green")])
    d.panel("stat", "Jolokia up", [("jolokia_up", "broker {{broker}}")], w=8, h=4, thresholds=[(None, "red"), (1, "green")])
    d.panel("stat", "Config reload ok", [("streamlens_sidecar_config_last_reload_successful", "{{instance}}")], w=4, h=4,
            thresholds=[(None, "red"), (1, "green")])
    d.row("streamlens-exporter")
    d.panel("timeseries", "Collection duration", [("streamlens_exporter_collect_duration_seconds", "{{collector}}")], w=8, unit="s")
    d.panel("timeseries", "Age of the last collection", [
        ("time() - streamlens_exporter_last_collect_timestamp_seconds", "{{collector}}")], w=8, unit="s")
    d.panel("timeseries", "Collection success and failures", [
        ("streamlens_exporter_collect_success", "success {{collector}}"),
        ("increase(streamlens_exporter_collect_failures_total[$__rate_interval])", "failures {{collector}}")], w=8, min_=0)
    d.panel("stat", "Kafka APIs the cluster answers", [
        ("streamlens_exporter_kafka_group_listing_supported", "list groups {{instance}}"),
        ("streamlens_exporter_kafka_topic_configs_supported", "topic configs {{instance}}")], w=8, h=4,
        thresholds=[(None, "orange"), (1, "green")],
        description="0: the cluster refuses ListConsumerGroups (the exporter relies on --group.list) or "
                    "DescribeConfigs (no kafka_topic_config_* families): ACLs, old brokers, the mock cluster.")
    d.row("streamlens-sidecar")
    d.panel("timeseries", "Runs and failures per job", [
        ("sum by (for) (rate(streamlens_sidecar_job_runs_total[$__rate_interval]))", "runs {{for}}"),
        ("sum by (for) (rate(streamlens_sidecar_job_failures_total[$__rate_interval]))", "failures {{for}}"),
        ("sum by (for) (rate(streamlens_sidecar_job_skipped_cycles_total[$__rate_interval]))", "skipped {{for}}")],
        w=8, unit="ops")
    d.panel("timeseries", "Last infer and fit duration per job", [
        ("streamlens_sidecar_job_last_infer_duration_seconds", "infer {{for}}"),
        ("streamlens_sidecar_job_last_fit_duration_seconds", "fit {{for}}")], w=8, unit="s")
    d.panel("timeseries", "Age of the last success per job", [
        ("time() - streamlens_sidecar_job_last_success_timestamp_seconds", "{{for}}")], w=8, unit="s")
    d.panel("timeseries", "Series processed per job", [("streamlens_sidecar_job_series", "{{for}}")], w=8)
    d.panel("timeseries", "Samples read per second", [
        ("sum by (for) (rate(streamlens_sidecar_samples_read_total[$__rate_interval]))", "{{for}}")], w=8, unit="short")
    d.panel("stat", "Sources up", [("streamlens_sidecar_source_up", "{{source}}")], w=8, thresholds=[(None, "red"), (1, "green")])
    d.panel("timeseries", "Model fits per job", [
        ("sum by (for) (rate(streamlens_sidecar_series_fits_total[$__rate_interval]))", "fits {{for}}"),
        ("sum by (for) (rate(streamlens_sidecar_series_fit_failures_total[$__rate_interval]))", "failed {{for}}")],
        w=8, unit="ops", description="Failed fits: too little history, constant input.")
    d.panel("timeseries", "Series processed, dropped, restored per job", [
        ("sum by (for) (rate(streamlens_sidecar_series_processed_total[$__rate_interval]))", "processed {{for}}"),
        ("sum by (for) (rate(streamlens_sidecar_series_dropped_total[$__rate_interval]))", "dropped {{for}}"),
        ("sum by (for) (increase(streamlens_sidecar_series_restored_total[$__rate_interval]))", "restored {{for}}")],
        w=8, unit="short")
    d.panel("timeseries", "State memory per job", [("streamlens_sidecar_job_state_bytes", "{{for}}")], w=8, unit="bytes")
    d.panel("stat", "Last successful config reload", [
        ("time() - streamlens_sidecar_config_last_reload_success_timestamp_seconds", "{{instance}}")], w=8, unit="s")
    d.row("Processes")
    d.panel("timeseries", "Resident memory", [('process_resident_memory_bytes{job=~"streamlens-.*"}', "{{job}}")], w=8, unit="bytes")
    d.panel("timeseries", "CPU", [('rate(process_cpu_seconds_total{job=~"streamlens-.*"}[$__rate_interval])', "{{job}}")],
            w=8, unit="percentunit")
    d.panel("table", "Build", [("streamlens_build_info", "")], w=8)
    return d


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboards")
    os.makedirs(out, exist_ok=True)
    for build in (cluster_overview, consumer_lag, brokers, anomalies, recommendations, self_monitoring):
        d = build()
        path = os.path.join(out, f"{d.uid}.json")
        with open(path, "w") as f:
            json.dump(d.json(), f, indent=2, sort_keys=False)
            f.write("\n")
        print(path)


if __name__ == "__main__":
    main()
