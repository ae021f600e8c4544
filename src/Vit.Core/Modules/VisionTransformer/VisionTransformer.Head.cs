using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>Pooling and classifiers (timm's <c>pool</c> and <c>forward_head</c>).</summary>
public sealed partial class VisionTransformer
{
    /// <summary>One feature vector per image from every token (timm's <c>pool</c> / <c>global_pool_nlc</c>).</summary>
    private Tensor Pool(Tensor features)
    {
        if (_options.Pooling == Pooling.ClassToken)
        {
            return features.select(1, 0);
        }

        int prefix = _options.PoolIncludePrefix ? 0 : _options.NumPrefixTokens;
        using var sliced = prefix == 0 ? null : features.narrow(1, prefix, features.shape[1] - prefix);
        var patches = sliced ?? features;
        switch (_options.Pooling)
        {
            case Pooling.AttentionPool:
                return attn_pool!.call(patches);
            case Pooling.Max:
                return patches.amax([1]);
            case Pooling.AvgMax:
            {
                using var max = patches.amax([1]);
                using var mean = patches.mean([1]);
                using var sum = max.add(mean, ScalarConstants.One);
                using var half = 0.5.ToScalar();
                return sum.mul(half);
            }

            default:
                return patches.mean([1]);
        }
    }

    /// <summary>
    /// DeiT's head (timm's <c>VisionTransformerDistilled.forward_head</c> with <c>distilled_training</c> off): pre-logits
    /// are the mean of the class and distillation tokens, logits the mean of <c>head</c> and <c>head_dist</c>.
    /// </summary>
    private Tensor DistilledHead(Tensor features, Module<Tensor, Tensor> distillationHead, bool preLogits)
    {
        using var classToken = features.select(1, 0);
        using var distillationToken = features.select(1, 1);
        using var two = 2.ToScalar();
        if (preLogits)
        {
            using var sum = classToken.add(distillationToken, ScalarConstants.One);
            return sum.div(two);
        }

        using var logits = head.call(classToken);
        using var distillationLogits = distillationHead.call(distillationToken);
        using var both = logits.add(distillationLogits, ScalarConstants.One);
        return both.div(two);
    }
}
