using System.Globalization;
using System.Runtime.CompilerServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>
/// The trainable parameters one trainer updates, claimed for that trainer alone, and the check that they are still the
/// model's parameters before each update.
/// </summary>
/// <remarks>
/// <see cref="FlatAdamW"/> turns each parameter into a view of one flat buffer. <c>model.to(...)</c> or <c>half()</c>
/// afterwards gives the model new <see cref="Parameter"/> objects, and a second trainer would re-point the same
/// parameters into its own buffer: either way one trainer would go on updating tensors the model no longer uses.
/// <see cref="Claim"/> refuses a parameter another live trainer holds; <see cref="ThrowIfReplaced"/> refuses to train
/// when the model's trainable parameters are not the ones claimed.
/// </remarks>
internal sealed class TrainedParameters : IDisposable
{
    private static readonly ConditionalWeakTable<Parameter, Claimant> Owners = new();
    private static readonly object OwnersLock = new();
    private readonly Claimant _claimant = new();
    private readonly nn.Module _model;
    private readonly List<(string Name, Parameter Parameter)> _items;

    private TrainedParameters(nn.Module model, List<(string Name, Parameter Parameter)> items)
    {
        _model = model;
        _items = items;
    }

    /// <summary>Gets the claimed parameters with their <c>named_parameters()</c> names, in the model's order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Items => _items;

    /// <summary>Claims the model's trainable parameters (those with <c>requires_grad</c>) for one trainer.</summary>
    /// <exception cref="ArgumentException">The model has no trainable parameter.</exception>
    /// <exception cref="InvalidOperationException">Another trainer that was not disposed trains one of them.</exception>
    public static TrainedParameters Claim(nn.Module model)
    {
        var items = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        if (items.Count == 0)
        {
            throw new ArgumentException("The model has no trainable parameter (every requires_grad is false).", nameof(model));
        }

        var claimed = new TrainedParameters(model, items);
        lock (OwnersLock)
        {
            foreach (var (name, parameter) in items)
            {
                if (Owners.TryGetValue(parameter, out var owner) && owner.Active)
                {
                    throw new InvalidOperationException(
                        $"The model's parameter '{name}' is already trained by another Trainer that was not disposed. Two trainers on one model " +
                        "would each update their own copy of the weights and the model would follow only one of them; dispose the first trainer " +
                        "before creating another for this model (services.AddVitTrainer registers one trainer per model for this reason).");
                }
            }

            foreach (var (_, parameter) in items)
            {
                Owners.AddOrUpdate(parameter, claimed._claimant);
            }
        }

        return claimed;
    }

    /// <summary>
    /// Throws when the model's trainable parameters are no longer the claimed ones (replaced, frozen, added), so an
    /// update never goes to tensors the model does not use.
    /// </summary>
    /// <exception cref="InvalidOperationException">The message says which parameter changed and what to do.</exception>
    public void ThrowIfReplaced()
    {
        int index = 0;
        foreach (var (name, parameter) in _model.named_parameters())
        {
            if (!parameter.requires_grad)
            {
                if (index < _items.Count && ReferenceEquals(_items[index].Parameter, parameter))
                {
                    throw Changed($"'{name}' was frozen (requires_grad = false) after the trainer was created, and AdamW would still move it");
                }

                continue;
            }

            if (index >= _items.Count)
            {
                throw Changed($"'{name}' became trainable after the trainer was created, and the trainer does not update it");
            }

            if (!ReferenceEquals(_items[index].Parameter, parameter))
            {
                throw Changed(
                    $"'{name}' is a new tensor ({parameter.dtype} on {parameter.device}), so the trainer would update the old one; model.to(...), half() " +
                    "and bfloat16() replace parameters");
            }

            index++;
        }

        if (index != _items.Count)
        {
            throw Changed($"'{_items[index].Name}' is no longer a trainable parameter of the model");
        }
    }

    /// <summary>Releases the claim, so another trainer may train these parameters.</summary>
    public void Dispose()
    {
        lock (OwnersLock)
        {
            _claimant.Active = false;
            foreach (var (_, parameter) in _items)
            {
                if (Owners.TryGetValue(parameter, out var owner) && ReferenceEquals(owner, _claimant))
                {
                    Owners.Remove(parameter);
                }
            }
        }
    }

    private static InvalidOperationException Changed(string what) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"The model's parameters changed after this Trainer was created: {what}. Move, convert, load and freeze the model before creating the trainer; to continue, save a checkpoint, dispose this trainer and create a new one for the model as it is now."));

    /// <summary>A trainer's claim, shared by all its parameters and ended at once on dispose.</summary>
    private sealed class Claimant
    {
        public bool Active { get; set; } = true;
    }
}
