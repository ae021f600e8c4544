namespace Vit.Fuzz;

/// <summary>How a <see cref="TinyOnnx"/> graph's logits width is known.</summary>
public enum OnnxWidth
{
    /// <summary>A fixed width the graph declares (and ONNX Runtime infers).</summary>
    Declared,

    /// <summary>Known only at run time: the classes plus min(batch, classes) more (one more for one image).</summary>
    RuntimeWider,

    /// <summary>Known only at run time: min(batch, classes) (one for one image).</summary>
    RuntimeNarrower,
}
