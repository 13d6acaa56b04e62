"""The validation report is remade from measured statistics: fitted and checked counted apart,
each band's basis, the reported statistics, and the hand-written discussion appended."""

from pathlib import Path

import pandas as pd
import pytest

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


def test_phq9_distribution_section_and_figure(tmp_path):
    from sim.studies.targets import NHANES_PHQ9_BANDS, TARGETS_BY_ID, phq9_score_key
    measured = pd.read_csv(MEASURED)
    # stand-in distribution: a geometric fall from 0, the same for every seed
    shares = 0.7 ** pd.Series(range(28))
    stand_in = pd.DataFrame({phq9_score_key(k): shares[k] / shares.sum() for k in range(28)}, index=measured.index)
    measured = pd.concat([measured.filter(regex="^(?!phq9_score_)"), stand_in], axis=1)
    validation.write_report(measured, tmp_path, minutes=1.0)
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    section = text.split("## The PHQ-9 distribution")[1].split("\n## ")[0]
    at_15 = shares[15:].sum() / shares[10:].sum()
    assert f"{100 * at_15:.0f}% score 15 or more (NHANES 2013-16: 36%)" in section
    assert (tmp_path / "figures" / "validation_phq9_distribution.png").exists()
    # the bands agree with the targets they share, and cover 0-27 once
    bands = {(first, last): share for first, last, share in NHANES_PHQ9_BANDS}
    assert bands[(5, 9)] == TARGETS_BY_ID["phq9_mild"].value and bands[(15, 27)] == TARGETS_BY_ID["phq9_severe"].value
    assert [s for f, l, _ in NHANES_PHQ9_BANDS for s in range(f, l + 1)] == list(range(28))
    assert sum(bands.values()) == pytest.approx(1.0, abs=0.002)


def test_no_phq9_section_without_its_measurements(tmp_path):
    validation.write_report(pd.read_csv(MEASURED).filter(regex="^(?!phq9_score_)"), tmp_path, minutes=1.0)
    assert "## The PHQ-9 distribution" not in (tmp_path / "validation.md").read_text(encoding="utf-8")


def test_the_headline_says_how_many_targets_can_be_in_band_at_most(tmp_path):
    ev = validation.write_report(pd.read_csv(MEASURED), tmp_path, minutes=1.0)
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    assert f"At most {len(ev) - 1} of {len(ev)} can be, because one pair of targets reads" in text
    assert "(44.2-55.8)" in text and "(57-69)" in text


@pytest.mark.parametrize("report, notes", [("validation.md", "validation_notes.md"),
                                           ("sensitivity.md", "sensitivity_notes.md")])
def test_a_shipped_report_holds_its_discussion_as_written_in_the_notes(report, notes):
    # Both reports are generated (`painloop validate`, `experiments/sensitivity.py --docs`) with a
    # hand-written notes file appended: a paragraph edited in the report by hand is lost at the
    # next run (one was, in session 18). The discussion is written in the notes file.
    shipped = (validation.DOCS / report).read_text(encoding="utf-8")
    assert (validation.DOCS / notes).read_text(encoding="utf-8") in shipped, (
        f"docs/{report} does not hold docs/{notes} verbatim: edit the notes and regenerate the "
        "report, never the report itself")
