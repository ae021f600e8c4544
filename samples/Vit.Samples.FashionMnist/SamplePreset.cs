using Vit.Core;

namespace Vit.Samples.FashionMnist;

/// <summary>A model for the sample plus the training recipe it is run with unless the command line says otherwise.</summary>
/// <param name="Name">The name <c>--preset</c> accepts.</param>
/// <param name="Description">One line for <c>--help</c>.</param>
/// <param name="Model">The architecture, already adapted to the data (channels, classes, input size).</param>
/// <param name="Recipe">The default training settings.</param>
internal sealed record SamplePreset(string Name, string Description, VisionTransformerOptions Model, TrainingRecipe Recipe);
