"""/metrics is valid Prometheus text: HELP/TYPE per family, escaped labels, cumulative buckets."""

import re

from dictate_app.server.metrics import LATENCY_BUCKETS, Metrics

SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$')


def test_exposition_format():
    metrics = Metrics()
    for seconds in (0.03, 0.2, 0.2, 7.0, 100.0):
        metrics.observe_request("/asr", 200, seconds)
    metrics.observe_request("/asr", 400, 0.01, "bad_request")
    metrics.observe_request('/we"ird\n', 200, 0.01)
    metrics.observe_audio(2.5)
    metrics.observe_batch(3, 0.4)
    text = metrics.render({"dictate_queue_depth": ("Waiting.", 2)})
    assert text.endswith("\n")
    families = {}
    for line in text.splitlines():
        if line.startswith("# TYPE"):
            _, _, name, kind = line.split()
            families[name] = kind
        elif not line.startswith("# HELP"):
            assert SAMPLE.match(line), line
    assert families == {
        "dictate_requests_total": "counter", "dictate_errors_total": "counter",
        "dictate_audio_seconds_total": "counter", "dictate_model_seconds_total": "counter",
        "dictate_request_duration_seconds": "histogram", "dictate_batch_size": "histogram",
        "dictate_queue_depth": "gauge",
    }
    assert r'endpoint="/we\"ird\n"' in text
    buckets = [int(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith('dictate_request_duration_seconds_bucket{endpoint="/asr"')]
    assert len(buckets) == len(LATENCY_BUCKETS) + 1
    assert buckets == sorted(buckets) and buckets[-1] == 6  # cumulative, +Inf = count
    assert buckets[LATENCY_BUCKETS.index(0.25)] == 4 and buckets[-2] == 5  # 100 s only in +Inf
    assert 'dictate_request_duration_seconds_count{endpoint="/asr"} 6' in text
    assert "dictate_audio_seconds_total 2.5" in text and "dictate_queue_depth 2" in text
    assert 'dictate_batch_size_bucket{le="4"} 1' in text and 'dictate_batch_size_bucket{le="2"} 0' in text
