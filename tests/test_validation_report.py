"""The validation report is remade from measured statistics: fitted and checked counted apart,
each band's basis, the reported statistics, and the hand-written discussion appended."""

from pathlib import Path

import pandas as pd

from sim.studies import validation

MEASURED = Path(__file__).resolve().parent.parent / "docs" / "validation_measured.csv"


def test_report_from_the_committed_measurements(tmp_path):
    assert validation.NOTES.exists(), "the discussion of misses is not where the report looks for it"
    ev = validation.write_report(pd.read_csv(MEASURED), tmp_path, minutes=1.0)
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    fitted, checked = ev[ev["fit"]], ev[~ev["fit"]]
    assert (f"{int(fitted['within'].sum())} of {len(fitted)} fitted targets" in text
            and f"{int(checked['within'].sum())} of {len(checked)} targets only checked" in text)
    assert "## Reported without a band" in text and "## Discussion" in text
    assert all(basis in text for basis in ev["band_basis"])
    assert (tmp_path / "figures" / "validation_targets.png").exists()
