using System.Diagnostics;
using System.Globalization;
using FluentAssertions;
using TorchSharp;
using Vit.Core;
using Vit.Inference;
using Xunit;
using Xunit.Abstractions;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class FineTuneSampleProcessTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void FineTune_GeneratedFolder_ServesTheSameTop1AndProbabilitiesAsValidation()
    {
        // 300 images of each of 5 classes, 48-128 px RGB PNG and JPEG: 1,200 to train on, 300 to validate and serve.
        string data = Generate(perClass: 300);
        string model = SmallModelFolder(inChannels: 3);
        string output = _temp.File("run");

        var (code, stdout, stderr) = Run(["--model", model, "--data", data, "--out", output, "--epochs", "2", "--batch", "16", "--ema", "0.99", "--lr", "1e-3"]);

        code.Should().Be(0, stdout + stderr);
        foreach (string file in new[] { "model/config.json", "model/model.safetensors", "model/model.onnx", "per-class.csv", "training-curves.png", "confusion-matrix.png" })
        {
            File.Exists(Path.Combine(output, file)).Should().BeTrue(file);
        }

        var rows = File.ReadAllLines(Path.Combine(output, "predictions.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        rows.Should().HaveCount(300, "60 validation images in each of 5 classes");
        rows.Select(r => r[2]).Distinct().Should().HaveCountGreaterThan(2, "agreeing on top-1 means something only when the predictions differ between images");
        using var classifier = ImageClassifier.Load(Path.Combine(output, "model"));
        classifier.ClassNames.Should().Equal("circle", "ring", "square", "stripes", "triangle");
        double largest = 0;
        int agreeing = 0;
        foreach (var row in rows)
        {
            var served = classifier.Classify(Path.Combine(data, "val", row[0]), topK: 5);
            served[0].ClassIndex.Should().Be(int.Parse(row[2], CultureInfo.InvariantCulture), row[0]);
            agreeing++;
            foreach (var prediction in served)
            {
                double trained = double.Parse(row[3 + prediction.ClassIndex], CultureInfo.InvariantCulture);
                largest = Math.Max(largest, Math.Abs(prediction.Probability - trained));
            }
        }

        log.WriteLine($"top-1 agreement served vs validation {agreeing}/{rows.Count}; largest probability difference {largest:G3}");
        largest.Should().BeLessThan(1e-4);
        File.ReadAllLines(Path.Combine(output, "per-class.csv")).Should().HaveCount(6).And.Contain(l => l.StartsWith("ring,", StringComparison.Ordinal));
    }

    [Fact]
    public void FineTune_InterruptedByCtrlC_ResumesFromItsCheckpoint()
    {
        string data = Generate(perClass: 10);
        string model = SmallModelFolder(inChannels: 3);
        string output = _temp.File("run");
        // 400 epochs of 5 updates: long enough that Ctrl+C after the first epoch lands mid-run on a fast, idle machine
        // (40 epochs ended before the signal arrived), short enough for the resumed run to finish in seconds.
        string[] command = ["--model", model, "--data", data, "--out", output, "--batch", "8", "--ema", "0", "--epochs", "400"];

        var interrupted = Run(command, interruptAfter: "epoch 1:");
        var again = Run(command);
        var resumed = Run([.. command, "--resume"]);

        interrupted.ExitCode.Should().Be(130, interrupted.Output + interrupted.Errors);
        interrupted.Output.Should().Contain("Saved ").And.Contain("continue with the same command and --resume");
        again.ExitCode.Should().Be(2);
        again.Errors.Should().Contain($"error: --out '{output}' already holds a run: add --resume");
        resumed.ExitCode.Should().Be(0, resumed.Output + resumed.Errors);
        resumed.Output.Should().MatchRegex("Resuming .*checkpoint-[0-9]{8}.safetensors at update [0-9]+");
        File.Exists(Path.Combine(output, "model", "model.onnx")).Should().BeTrue();
    }

    [Theory]
    [InlineData("no-val", "has no val/ folder")]
    [InlineData("classes-differ", "the class folders of train/ (circle, ring, square, stripes, triangle) and val/ (circle, ring, square, stripes) differ")]
    [InlineData("grayscale-model", "takes 1-channel images, but the data folder's images are decoded as RGB")]
    [InlineData("crop-pct", "--crop-pct is 1.5 but must be in (0, 1]")]
    public void FineTune_BadInput_ExitsTwoWithOneErrorLineBeforeTraining(string fault, string message)
    {
        string data = Generate(perClass: 5);
        string model = SmallModelFolder(inChannels: fault == "grayscale-model" ? 1 : 3);
        var args = new List<string> { "--model", model, "--data", data, "--out", _temp.File("run") };
        switch (fault)
        {
            case "no-val":
                Directory.Delete(Path.Combine(data, "val"), recursive: true);
                break;
            case "classes-differ":
                Directory.Delete(Path.Combine(data, "val", "triangle"), recursive: true);
                break;
            case "crop-pct":
                args.AddRange(["--crop-pct", "1.5"]);
                break;
        }

        var (code, stdout, stderr) = Run([.. args]);

        code.Should().Be(2);
        stderr.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("error: ").And.Contain(message);
        stdout.Should().NotContain("Fine-tuning");
        Directory.Exists(_temp.File("run")).Should().BeFalse("nothing is written before the input is checked");
    }

    public void Dispose() => _temp.Dispose();

    private string Generate(int perClass)
    {
        string folder = _temp.File("data");
        var (code, stdout, stderr) = Run(["--generate", folder, "--per-class", perClass.ToString(CultureInfo.InvariantCulture), "--seed", "1"]);
        code.Should().Be(0, stdout + stderr);
        return folder;
    }

    private string SmallModelFolder(int inChannels)
    {
        string folder = _temp.File($"model-{inChannels}");
        torch.manual_seed(3);
        using var model = new VisionTransformer(new VisionTransformerOptions
        {
            ImageSize = 32, PatchSize = 8, InChannels = inChannels, NumClasses = 10, EmbedDim = 32, Depth = 2, NumHeads = 2,
        });
        model.SavePretrained(folder, new PretrainedMetadata { CropPct = 0.9 });
        return folder;
    }

    /// <summary>Runs the sample; with <paramref name="interruptAfter"/>, sends SIGINT (Ctrl+C) once a line starting with it is printed.</summary>
    private (int ExitCode, string Output, string Errors) Run(string[] arguments, string? interruptAfter = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FineTune.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        var output = ReadOutput(process, interruptAfter);
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the sample did not end within 5 minutes:\n{output.Result}\n{error.Result}");
        }

        process.WaitForExit();
        log.WriteLine(output.Result + error.Result);
        return (process.ExitCode, output.Result, error.Result);
    }

    private static async Task<string> ReadOutput(Process process, string? interruptAfter)
    {
        var text = new System.Text.StringBuilder();
        for (string? line = await process.StandardOutput.ReadLineAsync(); line is not null; line = await process.StandardOutput.ReadLineAsync())
        {
            text.AppendLine(line);
            if (interruptAfter is not null && line.StartsWith(interruptAfter, StringComparison.Ordinal))
            {
                interruptAfter = null;
                using var kill = Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill.WaitForExitAsync();
            }
        }

        return text.ToString();
    }
}
