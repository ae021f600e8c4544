using System.Globalization;
using System.Text.RegularExpressions;

namespace Vit.Core;

/// <summary>
/// Checks the sizes a config asks for against the weights file's header before any model is built, so a config that
/// says depth 20000 or width 65536 next to a small file fails at once instead of allocating what the file cannot hold.
/// Every size that scales the model (width, depth, MLP width, classes, tokens) must match a tensor in the file.
/// </summary>
internal static partial class PretrainedSizeCheck
{
    /// <summary>The most a checkpoint's position grid may be enlarged when loaded at another input size (8x per side).</summary>
    public const int MaxGridGrowth = 64;

    /// <summary>Throws unless <paramref name="o"/>'s sizes agree with the (timm-named) <paramref name="shapes"/>.</summary>
    /// <param name="o">The options the config describes.</param>
    /// <param name="shapes">Tensor shapes by timm name, as the weights file's header gives them.</param>
    /// <param name="configPath">The config file, named in messages.</param>
    /// <param name="weightsPath">The weights file, named in messages.</param>
    /// <param name="field">The config's field name for an option (<c>nameof(EmbedDim)</c> → <c>embed_dim</c>).</param>
    public static void Check(VisionTransformerOptions o, IReadOnlyDictionary<string, long[]> shapes, string configPath, string weightsPath, Func<string, string> field)
    {
        InvalidDataException Mismatch(string option, string value, string found) =>
            new($"'{configPath}': {field(option)} is {value} but '{weightsPath}' holds {found}; nothing was built.");

        if (o.HasStem)
        {
            CheckStem(o, shapes, Mismatch);
        }

        if (o.HasStem && !o.StemProjection)
        {
            string last = $"patch_embed.backbone.{o.StemChannels!.Length - 1}.conv.weight";
            Compare(o.EmbedDim, shapes[last][0], nameof(o.EmbedDim), last);
        }
        else
        {
            if (!shapes.TryGetValue("patch_embed.proj.weight", out var patch) || patch.Length != 4)
            {
                throw new InvalidDataException($"'{weightsPath}' has no patch_embed.proj.weight [embed_dim, in_chans, patch, patch]: these are not a ViT's weights (or not with timm's key names).");
            }

            Compare(o.EmbedDim, patch[0], nameof(o.EmbedDim), "patch_embed.proj.weight");
            Compare(o.EmbeddingInputChannels, patch[1], o.HasStem ? nameof(o.StemChannels) : nameof(o.InChannels), "patch_embed.proj.weight");
            Compare(o.PatchSize, patch[2], nameof(o.PatchSize), "patch_embed.proj.weight");
        }

        int blocks = shapes.Keys.Select(k => BlockIndex().Match(k)).Where(m => m.Success)
            .Select(m => int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i + 1 : int.MaxValue)
            .DefaultIfEmpty(0).Max();
        if (o.Depth != blocks)
        {
            throw Mismatch(nameof(o.Depth), Text(o.Depth), $"{blocks} blocks");
        }

        CheckMlp(o, shapes, Mismatch);
        if (o.NumClasses > 0)
        {
            long classes = shapes.TryGetValue("head.weight", out var head) && head.Length == 2 ? head[0] : 0;
            Compare(o.NumClasses, classes, nameof(o.NumClasses), "head.weight");
        }

        if (shapes.TryGetValue("pos_embed", out var pos) && pos.Length == 3)
        {
            double grid = o.GridSize;
            if (grid * grid > (double)MaxGridGrowth * pos[1])
            {
                throw Mismatch(nameof(o.ImageSize), Text(o.ImageSize), string.Create(CultureInfo.InvariantCulture, $"position embeddings for {pos[1]} tokens, and a grid of {grid * grid:0} patches is more than {MaxGridGrowth} times that"));
            }
        }

        void Compare(double expected, long found, string option, string tensor)
        {
            if (expected != found)
            {
                throw Mismatch(option, Text(expected), string.Create(CultureInfo.InvariantCulture, $"{tensor} with {found} there"));
            }
        }
    }

    /// <summary>Each stem convolution is [channels, previous channels, kernel, kernel], and there are no more of them.</summary>
    private static void CheckStem(VisionTransformerOptions o, IReadOnlyDictionary<string, long[]> shapes, Func<string, string, string, InvalidDataException> mismatch)
    {
        int convolutions = shapes.Keys.Select(k => StemIndex().Match(k)).Where(m => m.Success)
            .Select(m => int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i + 1 : int.MaxValue)
            .DefaultIfEmpty(0).Max();
        if (convolutions != o.StemChannels!.Length)
        {
            throw mismatch(nameof(o.StemChannels), $"[{string.Join(", ", o.StemChannels)}]", string.Create(CultureInfo.InvariantCulture, $"{convolutions} stem convolutions (patch_embed.backbone.N.conv.weight)"));
        }

        long previous = o.InChannels;
        for (int i = 0; i < o.StemChannels.Length; i++)
        {
            string key = $"patch_embed.backbone.{i}.conv.weight";
            long[] expected = [o.StemChannels[i], previous, o.StemKernelSize(i), o.StemKernelSize(i)];
            if (!shapes.TryGetValue(key, out var found) || !found.SequenceEqual(expected))
            {
                throw mismatch(nameof(o.StemChannels), $"[{string.Join(", ", o.StemChannels)}] (kernels {string.Join(", ", Enumerable.Range(0, o.StemChannels.Length).Select(o.StemKernelSize))}, {o.InChannels} input channels)",
                    found is null ? $"no {key}" : $"{key} shaped [{string.Join(", ", found)}], not [{string.Join(", ", expected)}]");
            }

            previous = o.StemChannels[i];
        }
    }

    /// <summary>The MLP's first projection (fc1, or SwiGLU's gate fc1_g) is int(embed_dim x mlp_ratio) wide.</summary>
    private static void CheckMlp(VisionTransformerOptions o, IReadOnlyDictionary<string, long[]> shapes, Func<string, string, string, InvalidDataException> mismatch)
    {
        string key = o.Mlp == MlpKind.SwiGlu ? "blocks.0.mlp.fc1_g.weight" : "blocks.0.mlp.fc1.weight";
        double hidden = (double)o.EmbedDim * o.MlpRatio;
        long found = shapes.TryGetValue(key, out var fc1) && fc1.Length == 2 ? fc1[0] : 0;
        if (Math.Floor(hidden) != found)
        {
            throw mismatch(nameof(o.MlpRatio), Text(o.MlpRatio), found == 0
                ? $"no {key}"
                : string.Create(CultureInfo.InvariantCulture, $"an MLP {found} wide ({key}), not embed_dim x mlp_ratio = {hidden:R}"));
        }
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^blocks\.(\d+)\.")]
    private static partial Regex BlockIndex();

    [GeneratedRegex(@"^patch_embed\.backbone\.(\d+)\.conv\.weight$")]
    private static partial Regex StemIndex();
}
