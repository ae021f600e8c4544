using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>The model's <c>state_dict()</c> (parameters and persistent buffers) under <c>model/</c>, with its timm keys for a ViT.</summary>
internal sealed class ModelStatePart(nn.Module model) : ICheckpointPart
{
    public const string Prefix = "model/";

    public void Save(CheckpointContent content)
    {
        foreach (var (name, tensor) in model.state_dict())
        {
            content.Tensors.Add(Prefix + name, tensor);
        }
    }

    public void Check(CheckpointContent content, List<string> problems)
    {
        var state = model.state_dict();
        foreach (var (name, target) in state)
        {
            content.CheckTensor(problems, Prefix + name, target);
        }

        // Parameters only: a buffer may hold infinities on purpose (an attention mask of -inf, say).
        foreach (var (name, _) in model.named_parameters())
        {
            content.CheckValues(problems, Prefix + name);
        }

        foreach (var key in content.Tensors.Keys)
        {
            if (key.StartsWith(Prefix, StringComparison.Ordinal) && !state.ContainsKey(key[Prefix.Length..]))
            {
                problems.Add($"{key} is not in this model");
            }
        }
    }

    public void Restore(CheckpointContent content)
    {
        using var noGrad = no_grad();
        foreach (var (name, target) in model.state_dict())
        {
            target.copy_(content.Tensors[Prefix + name]);
        }
    }
}
