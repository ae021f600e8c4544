namespace Vit.Samples.Inference;

/// <summary>The parsed command line.</summary>
internal sealed record InferenceRequest
{
    public required string Model { get; init; }

    public required string Engine { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }

    public required IReadOnlyList<int> Samples { get; init; }

    public string? OutputDirectory { get; init; }

    public required string Device { get; init; }

    /// <summary>Gets float32, bfloat16 or float16.</summary>
    public string Precision { get; init; } = "float32";
}
