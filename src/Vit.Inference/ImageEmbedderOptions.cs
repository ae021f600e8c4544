using System.ComponentModel.DataAnnotations;

namespace Vit.Inference;

/// <summary>How <see cref="ImageEmbedder.Load(string, ImageEmbedderOptions?)"/> sets up ONNX Runtime and what its embeddings look like.</summary>
public sealed class ImageEmbedderOptions
{
    /// <summary>Gets or sets the execution provider.</summary>
    /// <value>The default is <see cref="ExecutionProvider.Auto"/>.</value>
    [EnumDataType(typeof(ExecutionProvider))]
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Auto;

    /// <summary>Gets or sets the CUDA device when CUDA is used.</summary>
    /// <value>The default is 0.</value>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>Gets or sets ONNX Runtime's threads per call; 0 lets ONNX Runtime choose (one per physical core).</summary>
    /// <value>The default is 0.</value>
    [Range(0, 1024)]
    public int IntraOpNumThreads { get; set; }

    /// <summary>Gets or sets the ONNX file's name inside the model folder.</summary>
    /// <value>The default is <c>model.onnx</c>.</value>
    [Required]
    [MinLength(1)]
    public string ModelFileName { get; set; } = ImageEmbedder.ModelFileName;

    /// <summary>Gets or sets whether each embedding is scaled to unit L2 length (then a dot product is the cosine similarity).</summary>
    /// <value>The default is <see langword="false"/>: the model's pre-logits as they are.</value>
    public bool Normalize { get; set; }
}
