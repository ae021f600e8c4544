using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Data;

/// <summary>
/// Runs a transform written for single images [C, H, W] on each image of a batch in turn and stacks the results,
/// so any TorchVision <see cref="torchvision.ITransform"/> can sit in a <see cref="BatchLoader"/>. Vit.Data's own
/// transforms already work per image on whole batches and are much faster; use this only for others.
/// </summary>
public sealed class PerSampleTransform : IRandomTransform
{
    private readonly torchvision.ITransform _inner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">A transform from [C, H, W] to [C', H', W'] (same output shape for every image).</param>
    public PerSampleTransform(torchvision.ITransform inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>Applies the wrapped transform to each image of a [B, C, H, W] batch (or to one [C, H, W] image).</summary>
    /// <param name="input">The images.</param>
    /// <returns>The stacked results.</returns>
    public Tensor call(Tensor input) => Run(input, image => _inner.call(image));

    /// <summary>
    /// Like <see cref="call"/>; when the wrapped transform is an <see cref="IRandomTransform"/> it draws from
    /// <paramref name="generator"/>, image after image.
    /// </summary>
    /// <param name="input">The images.</param>
    /// <param name="generator">The CPU generator.</param>
    /// <returns>The stacked results.</returns>
    public Tensor Apply(Tensor input, Generator generator) =>
        _inner is IRandomTransform random ? Run(input, image => random.Apply(image, generator)) : call(input);

    /// <summary>
    /// Like <see cref="call"/>; when the wrapped transform is an <see cref="IRandomTransform"/>, image b draws from
    /// <paramref name="streams"/>' sample b.
    /// </summary>
    /// <param name="input">The images.</param>
    /// <param name="streams">One stream per image.</param>
    /// <returns>The stacked results.</returns>
    public Tensor Apply(Tensor input, SampleStreams streams)
    {
        ArgumentNullException.ThrowIfNull(streams);
        if (_inner is not IRandomTransform random)
        {
            return call(input);
        }

        ArgumentNullException.ThrowIfNull(input);
        long count = input.dim() == 3 ? 1 : input.shape[0];
        if (input.dim() is 3 or 4 && streams.Count != count)
        {
            throw new ArgumentException($"PerSampleTransform got {streams.Count} sample streams for {count} images; pass one stream per image.", nameof(streams));
        }

        int next = 0;
        return Run(input, image => random.Apply(image, streams.Slice(next++, 1)));
    }

    private static Tensor Run(Tensor input, Func<Tensor, Tensor> transform)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() == 3)
        {
            return transform(input);
        }

        if (input.dim() != 4)
        {
            throw new ArgumentException($"PerSampleTransform takes [C, H, W] or [B, C, H, W]; got [{string.Join(", ", input.shape)}].", nameof(input));
        }

        using var scope = NewDisposeScope();
        var outputs = new Tensor[input.shape[0]];
        for (int b = 0; b < outputs.Length; b++)
        {
            outputs[b] = transform(input[b]);
        }

        return stack(outputs, 0).MoveToOuterDisposeScope();
    }
}
