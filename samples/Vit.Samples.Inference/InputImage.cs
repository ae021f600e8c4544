namespace Vit.Samples.Inference;

/// <summary>One image to classify: planar uint8 pixels at the model's data size, and its true label when known.</summary>
/// <param name="Name">A name for messages and output files (file name, or IDX file and index).</param>
/// <param name="Pixels">C·H·W bytes, channel-major.</param>
/// <param name="Label">The true class, or <see langword="null"/>.</param>
internal sealed record InputImage(string Name, byte[] Pixels, int? Label);
