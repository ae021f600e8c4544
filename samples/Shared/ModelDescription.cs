using System.Text.Json;
using System.Text.Json.Serialization;
using Vit.Core;

namespace Vit.Samples;

/// <summary>
/// What an application needs besides the weights to use a trained model: the architecture, how pixels were
/// normalised, how images were fitted to the model's input, and the class names. Saved as <c>model.json</c> next to
/// <c>model.safetensors</c>.
/// </summary>
internal sealed record ModelDescription
{
    /// <summary>The file name next to the weights.</summary>
    public const string FileName = "model.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Gets the architecture.</summary>
    public required VisionTransformerOptions Model { get; init; }

    /// <summary>Gets the side of the square images the data had (smaller ones are centred and zero-padded to <c>Model.ImageSize</c>).</summary>
    public required int DataImageSize { get; init; }

    /// <summary>Gets the per-channel mean of the [0, 1] pixels, subtracted before the model.</summary>
    public required float[] Mean { get; init; }

    /// <summary>Gets the per-channel standard deviation the pixels are divided by.</summary>
    public required float[] Std { get; init; }

    /// <summary>Gets the class names by label.</summary>
    public required string[] ClassNames { get; init; }

    /// <summary>Reads a description.</summary>
    /// <param name="path">The JSON file.</param>
    /// <returns>The description.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid description.</exception>
    public static ModelDescription Read(string path)
    {
        ModelDescription? description;
        try
        {
            description = JsonSerializer.Deserialize<ModelDescription>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a model description: {e.Message}", e);
        }

        if (description is not null && new VisionTransformerOptionsValidator().Failures(description.Model) is { Count: > 0 } failures)
        {
            throw new InvalidDataException($"'{path}' describes a model that cannot be built: {string.Join("; ", failures)}");
        }

        if (description is null || description.Mean.Length != description.Model.InChannels || description.Std.Length != description.Model.InChannels
            || description.ClassNames.Length != description.Model.NumClasses || description.DataImageSize > description.Model.ImageSize)
        {
            throw new InvalidDataException($"'{path}' is inconsistent: mean/std need {description?.Model.InChannels} values, class names {description?.Model.NumClasses}, and the data image size must fit the model's.");
        }

        return description;
    }

    /// <summary>Writes the description atomically.</summary>
    /// <param name="path">The JSON file.</param>
    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}
