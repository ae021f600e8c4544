using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>The EMA's averaged parameters (<c>ema/NAME</c>) and buffer copies (<c>ema_buffers/NAME</c>).</summary>
internal sealed class EmaStatePart(ModelEma ema, FlatAdamW flat) : ICheckpointPart
{
    public const string Prefix = "ema/";
    private const string BufferPrefix = "ema_buffers/";

    public void Save(CheckpointContent content)
    {
        for (int i = 0; i < flat.Layout.Count; i++)
        {
            content.Tensors.Add(Prefix + flat.Layout[i].Name, flat.View(ema.Average, i));
        }

        foreach (var (name, buffer) in ema.Buffers)
        {
            content.Tensors.Add(BufferPrefix + name, buffer);
        }
    }

    public void Check(CheckpointContent content, List<string> problems)
    {
        if (!content.Tensors.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            problems.Add("the EMA weights (ema/...) are missing: the checkpoint was written without TrainerOptions.EmaDecay; resume with EmaDecay null, or start the average anew from a new trainer");
            return;
        }

        for (int i = 0; i < flat.Layout.Count; i++)
        {
            content.CheckTensor(problems, Prefix + flat.Layout[i].Name, flat.Layout[i].Parameter);
            content.CheckValues(problems, Prefix + flat.Layout[i].Name);
        }

        foreach (var (name, buffer) in ema.Buffers)
        {
            content.CheckTensor(problems, BufferPrefix + name, buffer);
        }
    }

    public void Restore(CheckpointContent content)
    {
        using var noGrad = no_grad();
        for (int i = 0; i < flat.Layout.Count; i++)
        {
            using var view = flat.View(ema.Average, i);
            view.copy_(content.Tensors[Prefix + flat.Layout[i].Name]);
        }

        foreach (var (name, buffer) in ema.Buffers)
        {
            buffer.copy_(content.Tensors[BufferPrefix + name]);
        }
    }
}
