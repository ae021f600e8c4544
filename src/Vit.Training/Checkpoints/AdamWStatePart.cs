using TorchSharp.Modules;

namespace Vit.Training;

/// <summary>AdamW's two moments per parameter (<c>adamw/exp_avg/NAME</c>, <c>adamw/exp_avg_sq/NAME</c>) and its step counts (in the JSON state).</summary>
internal sealed class AdamWStatePart(AdamW optimizer, FlatAdamW flat) : ICheckpointPart
{
    private const string ExpAvgPrefix = "adamw/exp_avg/";
    private const string ExpAvgSqPrefix = "adamw/exp_avg_sq/";

    public void Save(CheckpointContent content)
    {
        var states = optimizer.state_dict().State;
        for (int i = 0; i < flat.Layout.Count; i++)
        {
            var adam = (AdamW.State)states[i];
            string name = flat.Layout[i].Name;
            content.Tensors.Add(ExpAvgPrefix + name, adam.exp_avg);
            content.Tensors.Add(ExpAvgSqPrefix + name, adam.exp_avg_sq);
            content.State.AdamSteps[name] = adam.step;
        }
    }

    public void Check(CheckpointContent content, List<string> problems)
    {
        foreach (var (name, parameter, _) in flat.Layout)
        {
            content.CheckTensor(problems, ExpAvgPrefix + name, parameter);
            content.CheckTensor(problems, ExpAvgSqPrefix + name, parameter);
            content.CheckValues(problems, ExpAvgPrefix + name);
            content.CheckValues(problems, ExpAvgSqPrefix + name, nonNegative: true);
            if (!content.State.AdamSteps.ContainsKey(name))
            {
                problems.Add($"the AdamW step count of {name} is missing");
            }
        }
    }

    public void Restore(CheckpointContent content)
    {
        var states = optimizer.state_dict().State;
        using var noGrad = TorchSharp.torch.no_grad();
        for (int i = 0; i < flat.Layout.Count; i++)
        {
            var adam = (AdamW.State)states[i];
            string name = flat.Layout[i].Name;
            adam.exp_avg.copy_(content.Tensors[ExpAvgPrefix + name]);
            adam.exp_avg_sq.copy_(content.Tensors[ExpAvgSqPrefix + name]);
            adam.step = content.State.AdamSteps[name];
        }
    }
}
