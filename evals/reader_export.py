"""Export of the trained answer reader to the file the package ships (``evals.train_reader``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def export(reader: Any, target: Path) -> None:
    """ONNX (logit minus the no-answer logit), attention fused, quantized to int8."""
    import os

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    class Scored(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head, self.null = reader.encoder, reader.head, reader.null

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            batch = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            hidden = self.encoder(**batch).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(pooled).squeeze(-1) - self.null

    fp32 = target.with_suffix(".fp32.onnx")
    dummy = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "seq"}
    with torch.no_grad():
        torch.onnx.export(
            Scored().eval(),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["score"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "score": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    optimize_model(str(fp32), model_type="bert", num_heads=0, hidden_size=0).save_model_to_file(str(fp32))
    from onnx import TensorProto

    # The fused graph's contrib ops defeat shape inference: say the default type is float.
    quantize_dynamic(
        str(fp32), str(target), weight_type=QuantType.QInt8, extra_options={"DefaultTensorType": TensorProto.FLOAT}
    )
    os.remove(fp32)
