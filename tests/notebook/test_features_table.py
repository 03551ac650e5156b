"""The Drift history tab's feature table: the spread test's z and p in one cell, the test that decided named in
the Test column, and no "-0" for a p-value of 1 (the table must stay readable at a laptop's width)."""

from __future__ import annotations

from datetime import datetime, timezone

from mlcube_nb.models import MonitoringHistoryPoint
from mlcube_nb.models.monitoring import FeatureStatistic
from mlcube_nb.notebook.panels.drift_history import _features_table


def _point(features: list[FeatureStatistic]) -> MonitoringHistoryPoint:
    return MonitoringHistoryPoint(timestamp=datetime.now(timezone.utc), model_id="m", statistic=1.0, magnitude=0.1,
                                  decision="drift", status="drift", warning_level=1.3, drift_level=2.0,
                                  test="holm(ks+klotz, chi_square)", n_rows=500, features=features)


def test_spread_findings_share_one_cell_and_the_deciding_test_is_named() -> None:
    wide = FeatureStatistic(feature="returns", test="ks", statistic=0.05, p_value=1e-6, adjusted_p_value=2e-6,
                            psi=0.02, decision="drift", spread_statistic=4.7, spread_p_value=3e-6,
                            decided_by="spread")
    calm = FeatureStatistic(feature="volume", test="ks", statistic=0.01, p_value=1.0, adjusted_p_value=1.0,
                            psi=0.0, decision="ok", spread_statistic=-0.3, spread_p_value=0.8, decided_by="location")
    table = _features_table(_point([wide, calm]))
    assert "Spread z (p)" in table.headers and "Decided by" not in table.headers
    rows = {row[0]: dict(zip(table.headers, row, strict=True)) for row in table.rows}
    assert rows["returns"]["Test"] == "ks (spread)" and rows["returns"]["Spread z (p)"] == "4.7 (p 3e-06)"
    assert rows["volume"]["Test"] == "ks" and rows["volume"]["−log10 p"] == "0"


def test_without_a_spread_test_the_table_keeps_its_columns() -> None:
    table = _features_table(_point([FeatureStatistic(feature="colour", test="chi_square", statistic=3.2,
                                                     p_value=0.2, adjusted_p_value=0.4, psi=0.01, decision="ok")]))
    assert not any(h.startswith("Spread") for h in table.headers)
    assert table.rows[0][1] == "chi_square"
