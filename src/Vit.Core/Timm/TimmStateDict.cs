using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Vit.Core;

/// <summary>
/// Checks a timm state_dict against a model and copies it in, all or nothing: every problem is collected first
/// and reported in one exception, and nothing is copied unless there is none.
/// </summary>
internal static partial class TimmStateDict
{
    /// <summary>Validates <paramref name="source"/> against <paramref name="model"/>, then copies it (resampling pos_embed).</summary>
    public static void CopyInto(VisionTransformer model, IReadOnlyDictionary<string, Tensor> source, string sourceName)
    {
        var options = model.Options;
        int positionPrefix = options.PositionEmbeddingCoversPrefix ? options.NumPrefixTokens : 0;
        var target = model.state_dict();
        var problems = new List<string>();
        var plan = new List<(Tensor Target, Tensor Source, bool Resample)>();
        foreach (var (name, parameter) in target)
        {
            if (!source.TryGetValue(name, out var tensor))
            {
                problems.Add($"missing key '{name}' (expected {Shape(parameter)})");
            }
            else if (tensor.is_floating_point() != parameter.is_floating_point())
            {
                // Integer buffers (BatchNorm's num_batches_tracked) take integers; everything else any floating dtype.
                problems.Add($"'{name}' has dtype {tensor.dtype}, expected {(parameter.is_floating_point() ? "a floating-point dtype" : parameter.dtype.ToString())}");
            }
            else if (tensor.shape.SequenceEqual(parameter.shape))
            {
                plan.Add((parameter, tensor, false));
            }
            else if (name == "pos_embed" && tensor.shape.Length == 3 && tensor.shape[2] == options.EmbedDim
                && PositionEmbedding.GridSizeOf(tensor, positionPrefix) is not null)
            {
                plan.Add((parameter, tensor, true));
            }
            else
            {
                problems.Add($"'{name}' expected {Shape(parameter)}, got {Shape(tensor)}");
            }
        }

        foreach (var (name, tensor) in source)
        {
            if (!target.ContainsKey(name))
            {
                problems.Add($"unexpected key '{name}' {Shape(tensor)}");
            }
        }

        if (problems.Count > 0)
        {
            int count = problems.Count;
            problems.AddRange(Hints(source, options));
            throw new InvalidDataException(
                $"{sourceName} does not fit a VisionTransformer with EmbedDim {options.EmbedDim}, Depth {options.Depth}, NumHeads {options.NumHeads}, " +
                $"Pooling {options.Pooling}, ImageSize {options.ImageSize}, PatchSize {options.PatchSize}, NumClasses {options.NumClasses} " +
                $"({count} {(count == 1 ? "problem" : "problems")}; nothing was loaded):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        foreach (var (parameter, tensor, resample) in plan)
        {
            // copy_ casts dtype and moves devices, so fp16/bf16 checkpoints load into fp32 models and vice versa.
            parameter.copy_(resample ? PositionEmbedding.Resample(tensor, options.GridSize, positionPrefix) : tensor);
        }
    }

    /// <summary>Explanations of the likely cause, from what the checkpoint itself shows.</summary>
    private static IEnumerable<string> Hints(IReadOnlyDictionary<string, Tensor> source, VisionTransformerOptions options)
    {
        if (source.TryGetValue("patch_embed.proj.weight", out var patch) && patch.dim() == 4)
        {
            if (patch.shape[0] != options.EmbedDim)
            {
                yield return $"hint: the checkpoint's width is {patch.shape[0]} (patch_embed.proj.weight), options.EmbedDim is {options.EmbedDim}";
                if (patch.shape[0] % options.NumHeads != 0)
                {
                    yield return $"hint: NumHeads {options.NumHeads} does not divide the checkpoint's width {patch.shape[0]}";
                }
            }

            if (patch.shape[1] != options.EmbeddingInputChannels || patch.shape[2] != options.PatchSize)
            {
                yield return $"hint: the checkpoint has {patch.shape[1]} input channels and {patch.shape[2]}x{patch.shape[3]} patches; options say {options.EmbeddingInputChannels} and {options.PatchSize}";
            }
        }

        int depth = source.Keys.Select(k => BlockIndex().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + 1).DefaultIfEmpty(0).Max();
        if (depth != options.Depth)
        {
            yield return $"hint: the checkpoint has {depth} blocks, options.Depth is {options.Depth}";
        }

        if (options.HasClassToken && !source.ContainsKey("cls_token") && source.ContainsKey("fc_norm.weight"))
        {
            yield return "hint: the checkpoint has fc_norm and no cls_token: it was trained with Pooling.Mean";
        }
        else if (!options.HasClassToken && source.ContainsKey("cls_token"))
        {
            yield return "hint: the checkpoint has a cls_token: it was trained with Pooling.ClassToken";
        }

        if (source.TryGetValue("reg_token", out var registers) && registers.dim() == 3 && registers.shape[1] != options.RegisterTokens)
        {
            yield return $"hint: the checkpoint has {registers.shape[1]} register tokens (reg_token), options.RegisterTokens is {options.RegisterTokens}";
        }

        if (source.ContainsKey("attn_pool.latent") != (options.Pooling == Pooling.AttentionPool))
        {
            yield return source.ContainsKey("attn_pool.latent")
                ? "hint: the checkpoint has an attention pool (attn_pool.*): it was trained with Pooling.AttentionPool"
                : "hint: the checkpoint has no attn_pool.*, but options.Pooling is AttentionPool";
        }

        if (source.ContainsKey("dist_token") != options.DistillationToken)
        {
            yield return $"hint: the checkpoint {(source.ContainsKey("dist_token") ? "has" : "has no")} dist_token, options.DistillationToken is {options.DistillationToken}";
        }
    }

    private static string Shape(Tensor tensor) => $"[{string.Join(", ", tensor.shape)}]";

    [GeneratedRegex(@"^blocks\.(\d+)\.")]
    private static partial Regex BlockIndex();
}
