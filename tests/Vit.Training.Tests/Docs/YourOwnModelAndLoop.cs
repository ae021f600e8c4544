using Vit.Training;
using static TorchSharp.torch;

// Its own namespace, as a user's code would be.
namespace TrainingDocsExamples;

/// <summary>
/// docs/training.md's "Your own model and loop", compiled and run by Vit.Training.Tests.YourOwnModelAndLoopTests, which
/// also checks that the page shows exactly the lines between the markers.
/// </summary>
internal static class YourOwnModelAndLoop
{
    public static (EvaluationResult Trained, EvaluationResult Average) Run(
        IReadOnlyList<(Tensor Images, Tensor Targets)> batches, IReadOnlyList<(Tensor Images, Tensor Targets)> heldOut, string logDirectory)
    {
        // docs: own model and loop: begin
        // Any nn.Module<Tensor, Tensor> from images to logits; move it to its device before building the trainer.
        using var model = nn.Sequential(nn.Conv2d(3, 16, 4, stride: 4), nn.GELU(), nn.Flatten(), nn.Linear(256, 5));
        var options = new TrainerOptions { LearningRate = 3e-3, WarmupSteps = 5, TotalSteps = 40, EmaDecay = 0.9 };
        using var trainer = new Trainer(model, options)
        {
            Callbacks = { new TensorBoardCallback(logDirectory), new StopWhenLossBelow(0.05f) },
        };
        for (int epoch = 0; epoch < 4 && !trainer.StopRequested; epoch++)
        {
            foreach (var (images, targets) in batches)      // int64 class indices [B] or float probabilities [B, K]
            {
                float loss = trainer.TrainStep(images, targets);     // one AdamW update, one wait for the device
            }
        }

        var trained = trainer.Evaluate(heldOut);            // loss, top-1, top-5 of the trained weights
        var average = trainer.EvaluateEma(heldOut);         // the same for the moving average of the weights
        using var deployed = nn.Sequential(nn.Conv2d(3, 16, 4, stride: 4), nn.GELU(), nn.Flatten(), nn.Linear(256, 5));
        trainer.Ema!.CopyTo(deployed);                      // the averaged weights, into a model to ship
        // docs: own model and loop: end
        return (trained, average);
    }
}

// docs: callback: begin
/// <summary>Stops training once an update's loss falls below a threshold.</summary>
internal sealed class StopWhenLossBelow(float threshold) : ITrainerCallback
{
    public void OnStepEnd(Trainer trainer, TrainingStepResult result)
    {
        if (result.Loss < threshold)
        {
            trainer.RequestStop();      // Fit ends after this update; your own loop reads trainer.StopRequested
        }
    }
}
// docs: callback: end
