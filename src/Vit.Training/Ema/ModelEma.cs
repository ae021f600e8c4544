using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// An exponential moving average of the trained weights, as timm's <c>ModelEmaV3</c> keeps it: after every optimizer
/// update <c>ema = decay * ema + (1 - decay) * w</c> for each trained parameter and each floating-point buffer
/// (BatchNorm's running statistics), and integer buffers (<c>num_batches_tracked</c>) are copied.
/// It starts from the weights the model had when the trainer was created.
/// </summary>
/// <remarks>
/// The average lives in one flat tensor laid out like the trainer's parameters, so an update is two element-wise
/// kernels whatever the model. <see cref="CopyTo"/> puts the averaged weights into a module of the same architecture
/// (for evaluation, export or deployment); <see cref="Trainer.EvaluateEma(Vit.Data.BatchLoader, CancellationToken)"/>
/// evaluates them without a second model. With <see cref="Warmup"/> the decay follows ModelEmaV3's
/// <c>use_warmup</c> (<c>1 - (1 + n) ^ (-2/3)</c> for the n-th update counted from 0, capped at <see cref="Decay"/>), as
/// timm's train.py passes its update count.
/// </remarks>
public sealed class ModelEma
{
    private const double WarmupGamma = 1.0;
    private const double WarmupPower = 2.0 / 3.0;
    private readonly FlatAdamW _flat;
    private readonly nn.Module _model;
    private readonly Tensor _average;
    private readonly Dictionary<string, Tensor> _buffers = [];
    private bool _disposed;

    internal ModelEma(nn.Module model, FlatAdamW flat, double decay, bool warmup)
    {
        _model = model;
        _flat = flat;
        Decay = decay;
        Warmup = warmup;
        using (NewDisposeScope())
        using (no_grad())
        {
            _average = flat.Parameters.clone().DetachFromDisposeScope();
            foreach (var (name, buffer) in model.named_buffers())
            {
                _buffers[name] = buffer.clone().DetachFromDisposeScope();
            }
        }
    }

    /// <summary>Gets the decay (<see cref="TrainerOptions.EmaDecay"/>).</summary>
    public double Decay { get; }

    /// <summary>Gets whether the decay warms up as ModelEmaV3's <c>use_warmup</c> (<see cref="TrainerOptions.EmaWarmup"/>).</summary>
    public bool Warmup { get; }

    /// <summary>Gets the averaged parameters, one flat tensor laid out as the trainer's flat parameter buffer.</summary>
    internal Tensor Average => _average;

    /// <summary>Gets the copies of the model's buffers, by <c>named_buffers()</c> name.</summary>
    internal IReadOnlyDictionary<string, Tensor> Buffers => _buffers;

    /// <summary>Returns the decay used for the update that brings the count of optimizer updates to <paramref name="updates"/>.</summary>
    /// <param name="updates">The number of updates including this one (timm's <c>num_updates</c>), from 1.</param>
    /// <returns>Without warmup <see cref="Decay"/>; with it ModelEmaV3's warmed-up value (0 for the first update, so the average starts at the weights after it).</returns>
    public double GetDecay(int updates)
    {
        if (!Warmup)
        {
            return Decay;
        }

        int n = Math.Max(0, updates - 1);
        if (n == 0)
        {
            return 0.0;
        }

        return Math.Min(1 - Math.Pow(1 + (n / WarmupGamma), -WarmupPower), Decay);
    }

    /// <summary>
    /// Copies the averaged weights into <paramref name="target"/>, a module of the same architecture (the same
    /// <c>state_dict()</c> names and shapes; dtype and device may differ): averaged values for the trained parameters,
    /// the buffers as of the latest update, and the frozen parameters as the trained model has them.
    /// </summary>
    /// <param name="target">The module to overwrite; it may be the trained model itself.</param>
    /// <exception cref="ArgumentException">The target's state does not have the same names and shapes (nothing is copied).</exception>
    public void CopyTo(nn.Module target)
    {
        ArgumentNullException.ThrowIfNull(target);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var source = Snapshot();
        var destination = target.state_dict();
        var problems = new List<string>();
        foreach (var (name, value) in source)
        {
            if (!destination.TryGetValue(name, out var slot))
            {
                problems.Add($"{name} is missing");
            }
            else if (!slot.shape.SequenceEqual(value.shape))
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} is [{string.Join(", ", slot.shape)}] there but [{string.Join(", ", value.shape)}] here"));
            }
        }

        problems.AddRange(destination.Keys.Where(k => !source.ContainsKey(k)).Select(k => $"{k} is not in the trained model"));
        if (problems.Count > 0)
        {
            throw new ArgumentException($"The target module does not have the trained model's architecture: {string.Join("; ", problems.Take(8))}{(problems.Count > 8 ? $"; and {problems.Count - 8} more" : string.Empty)}. Nothing was copied.", nameof(target));
        }

        // Read everything first: the target may be the trained model, whose parameters are views of the flat buffer.
        var values = source.ToDictionary(p => p.Key, p => p.Value.clone());
        using var noGrad = no_grad();
        foreach (var (name, value) in values)
        {
            destination[name].copy_(value);
        }
    }

    /// <summary>Frees the average and the buffer copies (the trainer owns them and calls this when disposed).</summary>
    internal void Free()
    {
        if (!_disposed)
        {
            _disposed = true;
            _average.Dispose();
            foreach (var buffer in _buffers.Values)
            {
                buffer.Dispose();
            }
        }
    }

    /// <summary>Moves the average one optimizer update on: call after every applied update.</summary>
    /// <param name="updates">The number of updates including this one.</param>
    internal void Update(int updates)
    {
        double decay = GetDecay(updates);
        using var noGrad = no_grad();
        using var kept = decay.ToScalar();
        using var taken = (1 - decay).ToScalar();
        // timm's fallback arithmetic (PyTorch 1.13 has no _foreach_lerp_), which its reference fixture used.
        _average.mul_(kept).add_(_flat.Parameters, alpha: taken);
        foreach (var (name, buffer) in _model.named_buffers())
        {
            if (!_buffers.TryGetValue(name, out var copy))
            {
                continue;
            }

            if (copy.is_floating_point())
            {
                copy.mul_(kept).add_(buffer, alpha: taken);
            }
            else
            {
                copy.copy_(buffer);
            }
        }
    }

    /// <summary>
    /// Puts the averaged weights and buffers into the model until the returned scope is disposed, which restores the
    /// trained ones bit for bit (for evaluating the average with the model itself).
    /// </summary>
    internal IDisposable SwapIntoModel() => new Swap(this);

    /// <summary>The state the average stands for: state_dict names to tensors in the caller's dispose scope.</summary>
    private Dictionary<string, Tensor> Snapshot()
    {
        var snapshot = _model.state_dict();
        for (int i = 0; i < _flat.Layout.Count; i++)
        {
            snapshot[_flat.Layout[i].Name] = _flat.View(_average, i);
        }

        foreach (var (name, copy) in _buffers)
        {
            if (snapshot.ContainsKey(name))
            {
                snapshot[name] = copy;
            }
        }

        return snapshot;
    }

    private sealed class Swap : IDisposable
    {
        private readonly ModelEma _ema;
        private readonly Tensor _trained;
        private readonly Dictionary<string, (Tensor Live, Tensor Saved)> _buffers = [];

        public Swap(ModelEma ema)
        {
            _ema = ema;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _trained = ema._flat.Parameters.clone().DetachFromDisposeScope();
            ema._flat.Parameters.copy_(ema._average);
            foreach (var (name, live) in ema._model.named_buffers())
            {
                if (ema._buffers.TryGetValue(name, out var copy))
                {
                    _buffers[name] = (live, live.clone().DetachFromDisposeScope());
                    live.copy_(copy);
                }
            }
        }

        public void Dispose()
        {
            using var noGrad = no_grad();
            _ema._flat.Parameters.copy_(_trained);
            _trained.Dispose();
            foreach (var (live, saved) in _buffers.Values)
            {
                live.copy_(saved);
                saved.Dispose();
            }
        }
    }
}
