"""The offline verifier on real pairs, its windowing, and loading models by name."""

from __future__ import annotations

import math

import pytest
import torch

from veracity.errors import EmptyInputError, ModelNotAvailableError
from veracity.evaluation.metrics import balanced_accuracy, roc_auc
from veracity.judges import NLIJudge, get_judge
from veracity.verifier.loading import label_columns
from veracity.types import Evidence, Passage

# Floors set from a real run of the shipped model on tests/data/nli_pairs.jsonl (see docs/benchmarks.md),
# a few points under the measured figures so that noise cannot fail them but a broken model does.
# Measured 2026-11-27: balanced accuracy 0.756 (torch) / 0.725 (ONNX int8) at calibrated P >= 0.5;
# AUC supported-vs-refuted 0.787 / 0.785.
MIN_BALANCED_ACCURACY = 0.68
MIN_AUC_SUPPORTED_VS_REFUTED = 0.74


def test_scores_are_probabilities(judge, nli_pairs):
    scores = judge.predict([p["premise"] for p in nli_pairs[:20]], [p["hypothesis"] for p in nli_pairs[:20]])
    assert len(scores) == 20
    for s in scores:
        assert math.isclose(s.entailment + s.neutral + s.contradiction, 1.0, abs_tol=1e-5)
        assert all(0.0 <= x <= 1.0 for x in (s.entailment, s.neutral, s.contradiction))


def test_verifier_on_real_pairs(judge, nli_pairs):
    """Entailed pairs rank above contradicted ones, and balanced accuracy clears the floor."""
    assert len(nli_pairs) >= 100
    scores = judge.predict([p["premise"] for p in nli_pairs], [p["hypothesis"] for p in nli_pairs])
    p_support = judge.support_probabilities(scores)
    labels = [p["label"] for p in nli_pairs]
    bacc = balanced_accuracy(labels, [int(p >= judge.threshold) for p in p_support])
    assert bacc >= MIN_BALANCED_ACCURACY, bacc

    decided = [(p["label"], s) for p, s in zip(nli_pairs, p_support) if p["three_way"] in ("supported", "refuted")]
    auc = roc_auc([label for label, _ in decided], [s for _, s in decided])
    assert auc is not None and auc >= MIN_AUC_SUPPORTED_VS_REFUTED, auc


def test_verify_supported_and_refuted(judge):
    evidence = "Marie Curie was a Polish and naturalised-French physicist and chemist who conducted pioneering research on radioactivity. She was the first woman to win a Nobel Prize and the only person to win Nobel Prizes in two scientific fields."
    supported = judge.verify("Marie Curie did research on radioactivity.", [evidence])
    refuted = judge.verify("Marie Curie never won a Nobel Prize.", [evidence])
    assert supported.label == "supported", supported
    assert refuted.label in ("refuted", "not_enough_info") and refuted.probability < supported.probability
    assert supported.evidence[0].passage.text == evidence


def test_no_evidence_is_not_enough_info(judge):
    verdict = judge.verify("Water boils at 100 degrees Celsius at sea level.", [])
    assert verdict.label == "not_enough_info" and verdict.reason


@pytest.mark.parametrize("mode", ["digest", "packed"])
def test_support_in_last_window_of_long_document(judge, mode):
    filler = " ".join(f"The committee met on day {i} to discuss the municipal budget for parks and roads." for i in range(120))
    fact = "The Eiffel Tower is located in Paris and was completed in 1889."
    document = filler + " " + fact
    claim = "The Eiffel Tower was completed in 1889."
    judge.windows = mode
    try:
        windows = judge._windows(document, claim)
        verdict = judge.verify(claim, [Evidence(passage=Passage(id="d#p0", doc_id="d", text=document, start=0, end=len(document)), score=1.0, source="test")])
    finally:
        judge.windows = "packed"
    if mode == "packed":
        assert len(windows) > 3, "the document must need several windows"
        assert fact in windows[-1].text
    else:
        assert len(windows) == 1 and fact in windows[0].input_text
    assert verdict.label == "supported", verdict
    span = verdict.evidence[0].passage
    assert fact in span.text and document[span.start : span.end] == span.text
    assert verdict.decided_by is not None and verdict.decided_by.text == fact


def test_windows_leave_room_for_the_whole_claim(judge):
    claim = " ".join(["The long claim mentions many separate facts about the city council"] * 6) + "."
    document = " ".join(f"Sentence {i} is about something else entirely." for i in range(200))
    claim_tokens = judge._count_tokens(claim)
    for window in judge._windows(document, claim):
        assert judge._count_tokens(window.text) + claim_tokens + 3 <= judge.loaded.max_length


def test_empty_claim_is_an_error(judge):
    with pytest.raises(EmptyInputError):
        judge.verify("  ", ["some evidence"])


@pytest.mark.parametrize("name", ["no-such-model", "/no/such/dir/model", "nobody/no-such-nli-model"])
def test_unknown_model_names_give_a_clear_error(name):
    with pytest.raises(ModelNotAvailableError) as err:
        NLIJudge(model=name)
    assert name in str(err.value)


def test_label_columns_follow_the_config():
    assert label_columns({0: "contradiction", 1: "entailment", 2: "neutral"}) == (1, 2, 0)
    assert label_columns({"0": "ENTAILMENT", "1": "NEUTRAL", "2": "CONTRADICTION"}) == (0, 1, 2)
    assert label_columns({0: "entailment", 1: "not_entailment"}) == (0, None, None)
    with pytest.raises(ModelNotAvailableError):
        label_columns({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})


def test_local_model_with_its_own_label_order(tmp_path):
    """A Hugging Face model saved locally (random weights) is read with the label order of its config."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from veracity.verifier.model import base_model_dir

    id2label = {0: "contradiction", 1: "entailment", 2: "neutral"}
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        num_labels=3, id2label=id2label, label2id={v: k for k, v in id2label.items()},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    premises, hypotheses = ["A man plays a guitar.", "Paris is in France."], ["A person makes music.", "Paris is in Spain."]
    with torch.inference_mode():
        raw = model(**tokenizer(premises, hypotheses, padding=True, return_tensors="pt")).logits.softmax(-1)
    scores = get_judge(str(tmp_path)).predict(premises, hypotheses)
    for row, s in zip(raw.tolist(), scores):
        assert s.entailment == pytest.approx(row[1], abs=1e-5)
        assert s.neutral == pytest.approx(row[2], abs=1e-5)
        assert s.contradiction == pytest.approx(row[0], abs=1e-5)


def test_local_seq2seq_minicheck_style_model(tmp_path):
    """A MiniCheck-style seq2seq model saved locally: P(supported) is P("1") vs P("0") at the first decoded token."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    words = "premise : hypothesis a man plays guitar person makes music paris is in france spain .".split()
    vocab = {tok: i for i, tok in enumerate(["<pad>", "</s>", "<unk>", "0", "1", *dict.fromkeys(words)])}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    config = T5Config(vocab_size=len(vocab), d_model=16, d_ff=32, d_kv=8, num_layers=1, num_heads=2,
                      decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    torch.manual_seed(0)
    model = T5ForConditionalGeneration(config).eval()
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    premises, hypotheses = ["A man plays guitar .", "Paris is in France ."], ["A person makes music .", "Paris is in Spain ."]
    judge = NLIJudge(model=str(tmp_path), batch_size=1)
    scores = judge.predict(premises, hypotheses)
    for premise, hypothesis, s in zip(premises, hypotheses, scores):
        ids = tokenizer(f"premise: {premise} hypothesis: {hypothesis}", add_special_tokens=False)["input_ids"] + [1]
        with torch.inference_mode():
            logits = model(input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([[0]])).logits[0, 0, [3, 4]]
        assert s.entailment == pytest.approx(float(logits.softmax(-1)[1]), abs=1e-5)
        assert s.contradiction == 0.0 and s.neutral == pytest.approx(1 - s.entailment)
    # Batched with padding gives the same scores as one at a time.
    judge.batch_size = 8
    assert [round(s.entailment, 5) for s in judge.predict(premises, hypotheses)] == [round(s.entailment, 5) for s in scores]
