"""Every way a model directory can be broken gives one sentence naming the file and the fix."""

import shutil

import pytest
import yaml

from dictate_app.engine.loader import load_engine
from dictate_app.engine.modeldir import MODEL_FILES, validate_model_dir
from dictate_app.errors import ModelError

pytestmark = pytest.mark.slow


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


def test_a_complete_directory_resolves_funasr_configuration(tiny_model_dir):
    config = validate_model_dir(tiny_model_dir)
    assert config.model == "SenseVoiceSmall"
    assert config.frontend_conf["cmvn_file"] == str(tiny_model_dir / "am.mvn")
    assert config.tokenizer_conf["bpemodel"].endswith("chn_jpn_yue_eng_ko_spectok.bpe.model")
    assert config.weights == tiny_model_dir / "model.pt"


def test_missing_directory_is_not_a_hub_download(tmp_path):
    with pytest.raises(ModelError, match=r"no model directory at .*nowhere; run `dictate-app model download`"):
        validate_model_dir(tmp_path / "nowhere")


def test_a_file_instead_of_a_directory(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file, not a model directory"):
        validate_model_dir(tmp_path / "model.pt")


@pytest.mark.parametrize("name", MODEL_FILES)
def test_each_missing_file_is_named(model_copy, name):
    (model_copy / name).unlink()
    with pytest.raises(ModelError, match=f"missing {name}"):
        validate_model_dir(model_copy)


def test_an_empty_file_is_named(model_copy):
    (model_copy / "am.mvn").write_bytes(b"")
    with pytest.raises(ModelError, match="am.mvn is empty"):
        validate_model_dir(model_copy)


def test_truncated_weights(model_copy):
    weights = model_copy / "model.pt"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(ModelError, match="model.pt is truncated or corrupt"):
        validate_model_dir(model_copy)


def test_garbage_weights(model_copy):
    (model_copy / "model.pt").write_bytes(b"<html>404 not found</html>")
    with pytest.raises(ModelError, match="model.pt is truncated or corrupt"):
        validate_model_dir(model_copy)


def test_config_of_another_model(model_copy):
    config = yaml.safe_load((model_copy / "config.yaml").read_text())
    config["model"] = "Paraformer"
    (model_copy / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(ModelError, match="does not describe a SenseVoiceSmall model"):
        validate_model_dir(model_copy)


def test_unparseable_configuration(model_copy):
    (model_copy / "configuration.json").write_text("{not json")
    with pytest.raises(ModelError, match="a configuration file does not parse"):
        validate_model_dir(model_copy)


def test_cmvn_of_the_wrong_size(model_copy):
    text = (model_copy / "am.mvn").read_text().replace("<AddShift> 560 560", "<AddShift> 80 80")
    (model_copy / "am.mvn").write_text(text)
    with pytest.raises(ModelError, match="am.mvn holds 80-dim statistics; the frontend makes 560-dim"):
        validate_model_dir(model_copy)


def test_a_tokenizer_that_is_not_sentencepiece(model_copy):
    (model_copy / "chn_jpn_yue_eng_ko_spectok.bpe.model").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ModelError, match="is not a SentencePiece model"):
        validate_model_dir(model_copy)


def test_weights_of_another_size_are_a_shape_error_not_a_random_model(model_copy):
    config = yaml.safe_load((model_copy / "config.yaml").read_text())
    config["encoder_conf"]["output_size"] = 64
    (model_copy / "config.yaml").write_text(yaml.safe_dump(config))
    with pytest.raises(ModelError, match=r"does not match its config.yaml: .* has shape \[.*\] but config.yaml needs"):
        load_engine(model_copy, device="cpu")


def test_weights_missing_a_tensor(model_copy):
    import torch

    state = torch.load(model_copy / "model.pt", weights_only=True)
    del state["ctc.ctc_lo.weight"]
    torch.save(state, model_copy / "model.pt")
    with pytest.raises(ModelError, match="ctc.ctc_lo.weight is missing"):
        load_engine(model_copy, device="cpu")


def test_weights_with_an_extra_tensor(model_copy):
    import torch

    state = torch.load(model_copy / "model.pt", weights_only=True)
    state["decoder.extra.weight"] = torch.zeros(2)
    torch.save(state, model_copy / "model.pt")
    with pytest.raises(ModelError, match="decoder.extra.weight is not part of this model"):
        load_engine(model_copy, device="cpu")


def test_pickled_code_is_refused(model_copy):
    import torch

    torch.save({"evil": shutil.rmtree}, model_copy / "model.pt")  # needs a full unpickler to load
    with pytest.raises(ModelError, match="model.pt cannot be read"):
        load_engine(model_copy, device="cpu")
