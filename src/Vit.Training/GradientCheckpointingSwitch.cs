using Vit.Core;
using static TorchSharp.torch;

namespace Vit.Training;

/// <summary>Turns on <see cref="TrainerOptions.GradientCheckpointing"/> in a model, or in a module inside it (a wrapped ViT).</summary>
internal static class GradientCheckpointingSwitch
{
    /// <exception cref="ArgumentException">No module of the model can checkpoint its blocks.</exception>
    public static void TurnOn(nn.Module<Tensor, Tensor> model)
    {
        var target = Find(model)
            ?? throw new ArgumentException(
                $"TrainerOptions.GradientCheckpointing is true, but the model ({model.GetType().Name}) has no module that implements {nameof(IGradientCheckpointingModel)}: "
                + $"wrap its blocks' calls in {nameof(GradientCheckpoint)}.{nameof(GradientCheckpoint.Run)} yourself, or set GradientCheckpointing to false.",
                nameof(model));
        target.SetGradCheckpointing(true);
    }

    /// <summary>Gets the model, or the first module inside it, that can checkpoint its blocks; <see langword="null"/> when none can.</summary>
    public static IGradientCheckpointingModel? Find(nn.Module<Tensor, Tensor> model) =>
        model as IGradientCheckpointingModel ?? model.modules().OfType<IGradientCheckpointingModel>().FirstOrDefault();
}
