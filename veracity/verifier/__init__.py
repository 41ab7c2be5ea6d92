"""The trained NLI verifier: model format, backends, windows, calibration, training.

Importing this package loads nothing heavy; torch and transformers are imported where a model is
loaded or trained. `veracity.judges.NLIJudge` is the judge built on it.

- `base`: shared backend types (`NLIBackend` protocol, `Probabilities`, label columns); a leaf module
- `model`: our model format (tiers `models/default` and `models/accurate`, any encoder base, `load_verifier`)
- `loading`: `load_nli_model(name, runtime)`: resolve "default", "accurate", a directory or a hub id
- `torch_backend`, `onnx_backend` (sessions), `onnx_export` (export, int8), `onnx_light` (torch-free reload)
- `windows`: evidence windows; `quotes`: the quotation rule
- `calibration` (+ `_base`, `_isotonic`, `_parametric`) and `calibrate` (`python -m veracity.verifier.calibrate`)
- `training`, `training_data`, `training_contrast` (`python -m veracity.verifier.training`)
- `base_encoders` (all-mpnet-base-v2 from its split archive), `distillation` + `teacher_logits` (a teacher's
  soft labels for the small model), `soup` (weight averaging of fine-tuned verifiers)
"""
