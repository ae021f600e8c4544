using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

public sealed partial class VisionTransformer
{
    /// <summary>
    /// timm's <c>forward_intermediates</c> with the last <paramref name="count"/> blocks taken (every block when
    /// <see langword="null"/>): a ViT as a backbone for detection and segmentation necks.
    /// </summary>
    /// <param name="images">Images <c>[N, C, H, W]</c>.</param>
    /// <param name="count">How many of the last blocks to take, 1 to <see cref="VisionTransformerOptions.Depth"/>; <see langword="null"/> for all.</param>
    /// <param name="format">The layout of each intermediate: a <c>[N, D, h, w]</c> map over the patch grid, or <c>[N, h·w, D]</c> tokens.</param>
    /// <param name="norm">Whether each intermediate goes through the final norm (timm's <c>norm</c>; an identity in models with fc_norm).</param>
    /// <param name="returnPrefixTokens">Whether the prefix tokens (class, distillation, registers) of each intermediate are returned apart in <see cref="IntermediateFeatures.PrefixTokens"/>.</param>
    /// <param name="stopEarly">Whether the blocks after the last taken one are skipped (then <see cref="IntermediateFeatures.Features"/> is that block's output after the final norm).</param>
    /// <param name="intermediatesOnly">Whether to skip the final features (<see cref="IntermediateFeatures.Features"/> is <see langword="null"/>).</param>
    /// <returns>The intermediates, in block order; dispose it to free them.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is outside 1 to the model's depth, or <paramref name="format"/> is not defined.</exception>
    public IntermediateFeatures ForwardIntermediates(Tensor images, int? count = null, IntermediateFormat format = IntermediateFormat.Nchw, bool norm = false, bool returnPrefixTokens = false, bool stopEarly = false, bool intermediatesOnly = false) =>
        Intermediates(images, TakeLast(blocks.Count, count ?? blocks.Count, nameof(count)), format, norm, returnPrefixTokens, stopEarly, intermediatesOnly);

    /// <summary>timm's <c>forward_intermediates</c> with the blocks at <paramref name="indices"/> taken (negative indices count from the end).</summary>
    /// <param name="images">Images <c>[N, C, H, W]</c>.</param>
    /// <param name="indices">Block indices, each in <c>[-Depth, Depth)</c>; the intermediates come in block order whatever the list's order.</param>
    /// <param name="format">The layout of each intermediate.</param>
    /// <param name="norm">Whether each intermediate goes through the final norm.</param>
    /// <param name="returnPrefixTokens">Whether the prefix tokens of each intermediate are returned apart.</param>
    /// <param name="stopEarly">Whether the blocks after the last taken one are skipped.</param>
    /// <param name="intermediatesOnly">Whether to skip the final features.</param>
    /// <returns>The intermediates, in block order; dispose it to free them.</returns>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[-Depth, Depth)</c>, or <paramref name="format"/> is not defined.</exception>
    public IntermediateFeatures ForwardIntermediates(Tensor images, IReadOnlyList<int> indices, IntermediateFormat format = IntermediateFormat.Nchw, bool norm = false, bool returnPrefixTokens = false, bool stopEarly = false, bool intermediatesOnly = false) =>
        Intermediates(images, TakeIndices(blocks.Count, indices), format, norm, returnPrefixTokens, stopEarly, intermediatesOnly);

    /// <summary>
    /// timm's <c>prune_intermediate_layers</c>: drops the blocks after the last of the last <paramref name="count"/>
    /// ones, and optionally the final norm and the head (fc_norm, classifier; the pooling stays).
    /// </summary>
    /// <param name="count">How many of the last blocks <see cref="ForwardIntermediates(Tensor, int?, IntermediateFormat, bool, bool, bool, bool)"/> will take.</param>
    /// <param name="pruneNorm">Whether the final norm becomes an identity.</param>
    /// <param name="pruneHead">Whether fc_norm becomes an identity and the classifier is removed (<c>NumClasses</c> 0).</param>
    /// <returns>The absolute indices of the blocks to take.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is outside 1 to the model's depth.</exception>
    public IReadOnlyList<int> PruneIntermediateLayers(int count = 1, bool pruneNorm = false, bool pruneHead = true) =>
        Prune(TakeLast(blocks.Count, count, nameof(count)), pruneNorm, pruneHead);

    /// <summary>timm's <c>prune_intermediate_layers</c> for the blocks at <paramref name="indices"/>: keeps blocks up to the largest.</summary>
    /// <param name="indices">Block indices, each in <c>[-Depth, Depth)</c>.</param>
    /// <param name="pruneNorm">Whether the final norm becomes an identity.</param>
    /// <param name="pruneHead">Whether fc_norm becomes an identity and the classifier is removed.</param>
    /// <returns>The absolute indices of the blocks to take.</returns>
    /// <exception cref="ArgumentException"><paramref name="indices"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[-Depth, Depth)</c>.</exception>
    public IReadOnlyList<int> PruneIntermediateLayers(IReadOnlyList<int> indices, bool pruneNorm = false, bool pruneHead = true) =>
        Prune(TakeIndices(blocks.Count, indices), pruneNorm, pruneHead);

    /// <summary>timm's <c>feature_take_indices</c> for an int: the last <paramref name="count"/> of <paramref name="depth"/> blocks.</summary>
    private static int[] TakeLast(int depth, int count, string parameter)
    {
        if (count < 1 || count > depth)
        {
            throw new ArgumentOutOfRangeException(parameter, count, string.Create(CultureInfo.InvariantCulture, $"{parameter} is {count}, but the model has {depth} blocks: take 1 to {depth}."));
        }

        return [.. Enumerable.Range(depth - count, count)];
    }

    /// <summary>timm's <c>feature_take_indices</c> for a list: negative indices count from the end.</summary>
    private static int[] TakeIndices(int depth, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0)
        {
            throw new ArgumentException("indices is empty: name at least one block.", nameof(indices));
        }

        return [.. indices.Select(i => i < 0 ? depth + i : i).Select((index, k) => index >= 0 && index < depth ? index
            : throw new ArgumentOutOfRangeException(nameof(indices), indices[k], string.Create(CultureInfo.InvariantCulture, $"indices[{k}] is {indices[k]}, but the model has {depth} blocks: use {-depth} to {depth - 1}.")))];
    }

    private IntermediateFeatures Intermediates(Tensor images, int[] take, IntermediateFormat format, bool applyNorm, bool returnPrefixTokens, bool stopEarly, bool intermediatesOnly)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (!Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, $"format {format} is not one of Nchw, Nlc.");
        }

        var taken = new SortedSet<int>(take);
        int last = stopEarly ? taken.Max : blocks.Count - 1;
        int prefix = _options.NumPrefixTokens;
        var (rows, columns) = patch_embed.GridFor(images.shape[2], images.shape[3]);
        var patches = new List<Tensor>(taken.Count);
        var prefixes = returnPrefixTokens && prefix > 0 ? new List<Tensor>(taken.Count) : null;
        var x = EmbedAndPreNorm(images);
        for (int i = 0; i <= last; i++)
        {
            var next = _gradientCheckpointing ? GradientCheckpoint.Run(blocks[i], x) : blocks[i].call(x);
            x.Dispose();
            x = next;
            if (!taken.Contains(i))
            {
                continue;
            }

            using var tokens = applyNorm ? norm.call(x) : x.alias();
            if (prefixes is not null)
            {
                using var head = tokens.narrow(1, 0, prefix);
                prefixes.Add(InWeightsDtype(head.contiguous()));
            }

            using var spatial = tokens.narrow(1, prefix, tokens.shape[1] - prefix);
            if (format == IntermediateFormat.Nlc)
            {
                patches.Add(InWeightsDtype(spatial.contiguous()));
                continue;
            }

            // [N, h*w, D] -> [N, h, w, D] -> [N, D, h, w], timm's reshape(B, H, W, -1).permute(0, 3, 1, 2).
            using var grid = spatial.reshape(images.shape[0], rows, columns, -1);
            using var channelsFirst = grid.permute(0, 3, 1, 2);
            patches.Add(InWeightsDtype(channelsFirst.contiguous()));
        }

        using (x)
        {
            var features = intermediatesOnly ? null : InWeightsDtype(norm.call(x));
            return new IntermediateFeatures([.. taken], patches, prefixes, features);
        }
    }

    private int[] Prune(int[] take, bool pruneNorm, bool pruneHead)
    {
        int keep = take.Max() + 1;
        if (keep < blocks.Count)
        {
            // A new list re-registers blocks.0 .. blocks.{keep-1}: ModuleList.RemoveAt would leave the dropped keys in state_dict.
            var kept = new ModuleList<EncoderLayer>([.. blocks.Take(keep)]);
            var dropped = blocks.Skip(keep).ToArray();
            register_module(nameof(blocks), null!);
            register_module(nameof(blocks), kept);
            blocks = kept;
            foreach (var block in dropped)
            {
                block.Dispose();
            }

            _options.Depth = keep;
        }

        if (pruneNorm)
        {
            norm = Replace(nameof(norm), norm);
        }

        if (pruneHead)
        {
            fc_norm = Replace(nameof(fc_norm), fc_norm);
            ResetClassifier(0);
        }

        return [.. take.Distinct().Order()];
    }

    private Module<Tensor, Tensor> Replace(string name, Module<Tensor, Tensor> old)
    {
        var identity = Identity();
        register_module(name, null!);
        register_module(name, identity);
        old.Dispose();
        return identity;
    }
}
