namespace Vit.Training;

/// <summary>
/// Dynamic loss scaling for fp16 training, with PyTorch <c>GradScaler</c>'s rule: the loss is multiplied by
/// <see cref="Scale"/> before backward; an update whose gradients are not finite is skipped and halves the scale
/// (backoff 0.5), and every <c>growthInterval</c> finite updates in a row double it (growth 2, applied only while the
/// doubled scale is a finite float32). Kept on the host: the trainer learns whether the gradients were finite from the
/// gradient norm it fetches anyway, so scaling adds no device wait.
/// </summary>
internal sealed class LossScaler
{
    /// <summary>The factor a run of finite updates grows the scale by (PyTorch's <c>growth_factor</c>).</summary>
    public const float GrowthFactor = 2f;

    /// <summary>The factor an overflow shrinks the scale by (PyTorch's <c>backoff_factor</c>).</summary>
    public const float BackoffFactor = 0.5f;

    private readonly float _initialScale;
    private readonly int _growthInterval;

    /// <param name="enabled">Whether to scale at all (fp16 training); otherwise the scale stays 1.</param>
    /// <param name="initialScale">The scale to start at (validated: positive, at most float32's largest value).</param>
    /// <param name="growthInterval">Finite updates in a row before the scale doubles (validated: at least 1).</param>
    public LossScaler(bool enabled, double initialScale, int growthInterval)
    {
        Enabled = enabled;
        _initialScale = (float)initialScale;
        _growthInterval = growthInterval;
        Reset();
    }

    /// <summary>Gets a value indicating whether the loss is scaled (fp16 training).</summary>
    public bool Enabled { get; }

    /// <summary>Gets the scale the next backward multiplies the loss by (1 when not <see cref="Enabled"/>).</summary>
    public float Scale { get; private set; }

    /// <summary>Gets the number of finite updates since the scale last changed (PyTorch's <c>_growth_tracker</c>).</summary>
    public int GrowthTracker { get; private set; }

    /// <summary>Gets the number of updates skipped because the gradients overflowed.</summary>
    public int Overflows { get; private set; }

    /// <summary>Gets the factor that unscales gradients: the float32 reciprocal of <see cref="Scale"/>, computed in double as PyTorch does.</summary>
    public float InverseScale => (float)(1.0 / Scale);

    /// <summary>Moves the scale on after an update whose gradients were (<paramref name="foundNonFinite"/> false) or were not finite.</summary>
    public void Update(bool foundNonFinite)
    {
        if (!Enabled)
        {
            return;
        }

        if (foundNonFinite)
        {
            Scale *= BackoffFactor;
            GrowthTracker = 0;
            Overflows++;
            return;
        }

        int successful = GrowthTracker + 1;
        if (successful == _growthInterval)
        {
            float grown = Scale * GrowthFactor;
            if (float.IsFinite(grown))
            {
                Scale = grown;
            }

            GrowthTracker = 0;
        }
        else
        {
            GrowthTracker = successful;
        }
    }

    /// <summary>Sets the state a checkpoint held.</summary>
    public void Restore(float scale, int growthTracker, int overflows)
    {
        Scale = Enabled ? scale : 1f;
        GrowthTracker = Enabled ? growthTracker : 0;
        Overflows = overflows;
    }

    /// <summary>Starts over at the initial scale (1 when not <see cref="Enabled"/>).</summary>
    public void Reset()
    {
        Scale = Enabled ? _initialScale : 1f;
        GrowthTracker = 0;
    }
}
