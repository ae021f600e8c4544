namespace Vit.Core;

/// <summary>
/// Validates <see cref="PretrainedMetadata"/>: its DataAnnotations ranges and, when built for a model's options, that
/// mean, std and class names fit that model's channels and classes.
/// </summary>
public sealed class PretrainedMetadataValidator : OptionsValidator<PretrainedMetadata>
{
    private readonly VisionTransformerOptions? _model;

    /// <summary>Checks the ranges only (no model to fit).</summary>
    public PretrainedMetadataValidator()
    {
    }

    /// <summary>Checks the ranges and that the metadata fits a model with <paramref name="model"/>.</summary>
    /// <param name="model">The model's architecture (channels and classes).</param>
    public PretrainedMetadataValidator(VisionTransformerOptions model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <inheritdoc />
    protected override IEnumerable<string> RuleFailures(PretrainedMetadata options)
    {
        if (_model is null)
        {
            yield break;
        }

        if (options.Mean is { Length: > 0 } mean && mean.Length != _model.InChannels)
        {
            yield return $"PretrainedMetadata.Mean has {mean.Length} values and the model has {_model.InChannels} channels, but there must be one value per channel";
        }

        if (options.Std is { Length: > 0 } std && std.Length != _model.InChannels)
        {
            yield return $"PretrainedMetadata.Std has {std.Length} values and the model has {_model.InChannels} channels, but there must be one value per channel";
        }

        if (options.ClassNames is { } names && names.Length != _model.NumClasses)
        {
            yield return $"PretrainedMetadata.ClassNames has {names.Length} names and the model has {_model.NumClasses} classes, but there must be one name per class";
        }

        if (options.ClassNames is { } all && all.Any(string.IsNullOrEmpty))
        {
            yield return "PretrainedMetadata.ClassNames holds an empty name, but every class needs one";
        }
    }
}
