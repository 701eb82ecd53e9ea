"""build-model --download: the originals fetched from a server in raw.githubusercontent.com's layout, cut, trained on."""

import json

import pytest

from sources.archive_server import LocalServer
from sources.real_world_set import originals, serve, write_manifest
from speechmusic import cli
from speechmusic.apps import default_model as dm


@pytest.mark.slow
def test_build_model_from_downloaded_originals(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(dm.build, "DEFAULT_RECIPE", dm.DEFAULT_RECIPE.with_synthetic_size(2))
    files = originals()
    listing = write_manifest(tmp_path / "list.csv", files)
    with LocalServer() as server:
        serve(server, files)
        code = cli.main(["build-model", "--download", str(tmp_path / "real-world"), "--mirror", server.base,
                         "--real-world-manifest", str(listing), "--model", str(tmp_path / "m.npz"), "--no-measure",
                         "--quiet", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    folder = tmp_path / "real-world"
    assert (folder / "manifest.csv").is_file() and (folder / "ATTRIBUTION.md").is_file()
    assert summary["data"]["real_clips"] == 8 and summary["data"]["sources"] == 7
    assert summary["data"]["differences_from_list"]  # not the packaged list: recorded in the model
    from speechmusic.apps.pipeline import load_classifier

    model = load_classifier(tmp_path / "m.npz")
    assert model.calibration is not None and model.metadata["data"]["fingerprint"] == summary["data"]["fingerprint"]
    credits = (tmp_path / "m-ATTRIBUTION.md").read_text()
    assert "Gamma voices, reader Ann Example" in credits and "## CC BY-SA 4.0" in credits
