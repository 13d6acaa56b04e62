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


def test_age_and_sex_section_beside_the_published_figures(tmp_path):
    from sim.studies.targets import AGE_SEX_PUBLISHED
    measured = pd.read_csv(MEASURED)
    for i, key in enumerate(AGE_SEX_PUBLISHED):  # stand-in values, different per seed
        measured[key] = 0.05 + 0.01 * i + 0.002 * measured.index
    validation.write_report(measured, tmp_path, minutes=1.0)
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    section = text.split("## Age and sex")[1].split("\n## ")[0]
    assert "| women | 10.4% |" in section and "| 65+ | 45.6% |" in section  # Brody, Lucas
    assert "| 50-69 | not read |" in section  # Shmagel's band prevalences were not read
    assert (tmp_path / "figures" / "validation_age_sex.png").exists()
    table = validation.age_sex_table(measured)
    assert (table["model_lo"] <= table["model"]).all() and (table["model"] <= table["model_hi"]).all()
