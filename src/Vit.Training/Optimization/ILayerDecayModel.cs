namespace Vit.Training;

/// <summary>
/// A model that says how deep each of its parameters sits, so that <see cref="TrainerOptions.LayerDecay"/> can give
/// the layers near the input smaller learning rates (timm's <c>param_groups_layer_decay</c>).
/// </summary>
/// <remarks>
/// Layer ids run from 0 (the input side) to <see cref="LayerCount"/> - 1 (the head). A parameter in layer <c>i</c>
/// trains with <c>LayerDecay ^ (LayerCount - 1 - i)</c> times the scheduled learning rate. A
/// <see cref="Vit.Core.VisionTransformer"/> needs no implementation: the trainer uses timm's grouping for it.
/// </remarks>
public interface ILayerDecayModel
{
    /// <summary>Gets the number of layer ids (at least 1).</summary>
    int LayerCount { get; }

    /// <summary>Returns the layer id, in [0, <see cref="LayerCount"/>), of a parameter.</summary>
    /// <param name="parameterName">The parameter's <c>named_parameters()</c> name.</param>
    /// <returns>Its layer id.</returns>
    int GetLayerId(string parameterName);
}
