using TorchSharp;
using static TorchSharp.torch.nn;

namespace Vit.Core;

/// <summary>timm's default initialisation.</summary>
public sealed partial class VisionTransformer
{
    /// <summary>
    /// timm's default init (<c>init_weights</c> + <c>init_weights_vit_timm</c>): trunc-normal(0.02) for the position
    /// embedding, the distillation token and every Linear weight, zero Linear biases, N(0, 1e-6) class and register
    /// tokens, then the modules' own <c>init_weights</c> (SwiGLU gates, the attention pool's latent); norms stay
    /// ones/zeros and the patch convolution keeps PyTorch's default (timm's init function does not touch Conv2d).
    /// </summary>
    private void InitializeWeights()
    {
        using var noGrad = torch.no_grad();
        TruncatedNormal.Fill(pos_embed, std: 0.02);
        if (cls_token is not null)
        {
            init.normal_(cls_token, std: 1e-6);
        }

        if (reg_token is not null)
        {
            init.normal_(reg_token, std: 1e-6);
        }

        if (dist_token is not null)
        {
            TruncatedNormal.Fill(dist_token, std: 0.02);
        }

        foreach (var module in modules())
        {
            if (module is AutocastLinear linear)
            {
                TruncatedNormal.Fill(linear.Weight, std: 0.02);
                if (linear.Bias is not null)
                {
                    init.zeros_(linear.Bias);
                }
            }
        }

        foreach (var module in modules())
        {
            switch (module)
            {
                case PackedSwiGluFeedForward packed:
                    packed.InitializeGate();
                    break;
                case SwiGluFeedForward split:
                    split.InitializeGate();
                    break;
                case AttentionPoolLatent pool:
                    pool.InitializeLatent();
                    break;
            }
        }
    }
}
