namespace Vit.Core;

/// <summary>A model that can checkpoint its blocks' activations (timm's <c>set_grad_checkpointing</c>).</summary>
public interface IGradientCheckpointingModel
{
    /// <summary>Gets whether the blocks are checkpointed while gradients are recorded.</summary>
    bool GradientCheckpointing { get; }

    /// <summary>Turns gradient checkpointing of the blocks on or off (timm's <c>set_grad_checkpointing(enable)</c>).</summary>
    /// <param name="enable">Whether to recompute each block's activations in the backward instead of keeping them.</param>
    void SetGradCheckpointing(bool enable = true);
}
