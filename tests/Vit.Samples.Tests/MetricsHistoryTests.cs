using FluentAssertions;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

public sealed class MetricsHistoryTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"vit-samples-metrics-{Guid.NewGuid():N}.csv");

    [Fact]
    public void Read_TrainerCsv_SplitsTrainingAndEvaluationRows()
    {
        // The layout Vit.Training's MetricsCsvWriter writes (empty cells for "not measured"), with a row cut short.
        File.WriteAllLines(_path,
        [
            "kind,epoch,step,loss,learning_rate,grad_norm,images_per_second,elapsed_seconds,top1,top5",
            "train,0,5,2.25,0.001,1.3,105.7,4.1,,",
            "eval,0,8,2.0174,,,,9.8,0.2109375,0.81640625",
            "train,1,10,2.08,0.002,1.2,122.5,12.0,,",
            "train,1,15,2.1",
        ]);

        var history = MetricsHistory.Read(_path);

        history.Train.Should().Equal((5, 2.25, 0.001), (10, 2.08, 0.002));
        history.Evaluations.Should().Equal((8, 1, 2.0174, 0.2109375, 0.81640625));
    }

    [Fact]
    public void Read_WeightAverageRows_KeptApartFromTheTrainedWeights()
    {
        File.WriteAllLines(_path,
        [
            "kind,epoch,step,loss,learning_rate,grad_norm,images_per_second,elapsed_seconds,top1,top5",
            "eval,0,8,2.0174,,,,9.8,0.2109375,0.81640625",
            "eval_ema,0,8,2.25,,,,10.1,0.125,0.75",
            "eval,1,16,1.5,,,,19.8,0.5,0.875",
            "eval_ema,1,16,1.75,,,,20.1,0.375,0.8125",
        ]);

        var history = MetricsHistory.Read(_path);

        history.Evaluations.Should().Equal((8, 1, 2.0174, 0.2109375, 0.81640625), (16, 2, 1.5, 0.5, 0.875));
        history.EmaEvaluations.Should().Equal((8, 1, 2.25, 0.125, 0.75), (16, 2, 1.75, 0.375, 0.8125));
    }

    [Fact]
    public void Read_MissingColumn_ThrowsNamingIt()
    {
        File.WriteAllLines(_path, ["kind,epoch,step,loss", "train,0,5,2.25"]);
        var read = () => MetricsHistory.Read(_path);
        read.Should().Throw<InvalidDataException>().WithMessage("*no 'learning_rate' column*");
    }

    public void Dispose() => File.Delete(_path);
}
