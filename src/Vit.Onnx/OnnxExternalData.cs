namespace Vit.Onnx;

/// <summary>Whether the weights are written beside the graph (ONNX's external data: <c>model.onnx.data</c>, located relative to the graph).</summary>
public enum OnnxExternalData
{
    /// <summary>Beside the graph only when one file cannot hold them (protobuf's 2 GiB limit, e.g. ViT-H in float32).</summary>
    Auto,

    /// <summary>Always beside the graph (every tensor of 1 KiB or more), e.g. to keep the graph small to inspect.</summary>
    Always,

    /// <summary>Never: a model whose weights do not fit one file fails before anything is written.</summary>
    Never,
}
