#!/usr/bin/env python3
"""Unit test of findings.py (the sidecar's findings in words): numbers in the sentences, bands of
never-negative values clipped at 0, causes and alert subjects named, only likely breaches within
the hour reported. Usage: findings_test.py"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import findings  # noqa: E402

LAG = {"consumergroup": "g3", "topic": "t3", "job": "streamlens-exporter", "instance": "x:1"}


class FindingsTest(unittest.TestCase):
    def test_anomaly_states_value_expectation_band_score_and_cause(self):
        a = {"for": "consumer_lag", "labels": LAG, "y": 20625.0, "yhat": 329.4, "yhat_lower": -212.0,
             "yhat_upper": 636.2, "score": 3.21, "root_cause": {"causes": [
                 {"candidate": 'request_handler_idle{broker="3",instance="x:1",job="streamlens-exporter"}',
                  "score": 0.91, "layer": "platform"},
                 {"candidate": 'broker_cpu{broker="3"}', "score": 0.5}]}}
        self.assertEqual(findings.anomaly(a), "g3 on t3: lag 20,625 vs expected 329 (band 0-636), score 3.2, "
                                              "first cause: request_handler_idle on broker 3")
        self.assertEqual(findings.root_cause(a), "g3 on t3: first cause request_handler_idle on broker 3, "
                                                 "score 0.91 (platform layer), then broker_cpu on broker 3 (0.5)")
        self.assertIsNone(findings.root_cause(dict(a, root_cause=None)))

    def test_ratios_are_percentages(self):
        a = {"for": "request_handler_idle", "labels": {"broker": "1"}, "y": 0.05, "yhat": 0.76,
             "yhat_lower": 0.7, "yhat_upper": 0.78, "score": 29.5}
        self.assertEqual(findings.anomaly(a), "broker 1: request handler idle 5.0% vs expected 76% (band 70%-78%), "
                                              "score 29.5")

    def test_outlier_with_and_without_the_numbers_that_show_it(self):
        o = {"for": "broker_traffic_peers", "labels": {"broker": "1"}, "score": 18.24}
        self.assertEqual(findings.outlier(o, "bytes in 43.8 KiB/s", "122.3 KiB/s"),
                         "broker 1 stands out among its peers on traffic (bytes in/out, messages in), score 18.2 "
                         "(bytes in 43.8 KiB/s vs a peer median of 122.3 KiB/s)")
        self.assertNotIn("median", findings.outlier(o))

    def test_forecast_reports_breaching_now_and_likely_breaches_within_the_hour_only(self):
        f = {"for": "consumer_lag_seconds", "labels": LAG, "thresholds": [
            {"threshold": "60s", "value": 60, "breached": True},
            {"threshold": "180s", "value": 180, "crosses": True, "time_to_threshold_seconds": 600,
             "breach_probability": {"1h": 0.98}},
            {"threshold": "600s", "value": 600, "crosses": True, "time_to_threshold_seconds": 3000,
             "breach_probability": {"1h": 0.3}},
            {"threshold": "900s", "value": 900, "crosses": True, "time_to_threshold_seconds": 5000,
             "breach_probability": {"1h": 0.9}}]}
        self.assertEqual(findings.forecasts(f, 91.0), [
            ("breach", "60s", "g3 on t3: lag 91 s, beyond the 60 s SLA (breaching now)"),
            ("forecast", "180s", "g3 on t3: lag 91 s, SLA 180 s will be breached in 10 min (p=0.98)")])
        self.assertEqual(findings.forecasts(f)[1][2], "g3 on t3: lag SLA 180 s will be breached in 10 min (p=0.98)")

    def test_recommendations(self):
        moves = [{"kind": "leadership"}] * 5
        self.assertEqual(findings.recommendation({"kind": "rebalance", "peak_before": 1.0, "peak_after": 0.87,
                                                  "moves": moves}),
                         "rebalance: busiest broker 1.00 -> 0.87 of peak by moving 5 leaders")
        self.assertEqual(findings.recommendation({"kind": "rebalance", "peak_before": 1.0, "peak_after": 0.9,
                                                  "moves": [{"kind": "leadership"}, {"kind": "replica"}]}),
                         "rebalance: busiest broker 1.00 -> 0.90 of peak by moving 1 leader and 1 replica")
        self.assertEqual(findings.recommendation({"kind": "rebalance", "status": "insufficient_data",
                                                  "reason": "no placement"}), "rebalance: no plan (no placement)")

    def test_alert_names_its_subject_when_the_summary_does_not(self):
        a = {"labels": {"alertname": "KafkaTrafficAnomalous", "broker": "2", "topic": "t4"},
             "annotations": {"summary": "Broker traffic broker_bytes_out is anomalous (score 64.79)"}}
        self.assertEqual(findings.alert(a), "Broker traffic broker_bytes_out is anomalous (score 64.79) "
                                            "(broker 2, topic t4)")
        a = {"labels": {"consumergroup": "g3", "topic": "t3"}, "annotations": {"summary": "Lag of g3 on t3 is anomalous"}}
        self.assertEqual(findings.alert(a), "Lag of g3 on t3 is anomalous")


if __name__ == "__main__":
    unittest.main()
