using System.IO.Compression;
using FluentAssertions;
using Xunit;

namespace Vit.Samples.Tests;

/// <summary>
/// Bad command lines and data given to the sample process (issue 21, item 13): each ends with exit code 2, one
/// <c>error:</c> line and nothing written: no run folder, no TensorBoard folder.
/// </summary>
public sealed class SampleBadInputProcessTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Out => _directory.File("run");

    private string TensorBoard => _directory.File("tb");

    [Theory]
    [InlineData("--out", "", "error: --out must be a folder; got ''.")]
    [InlineData("--data", "", "error: --data must be a folder; got ''.")]
    [InlineData("--tensorboard", "", "error: --tensorboard must be a folder; got ''.")]
    [InlineData("--resume", " ", "error: --resume must be a checkpoint file; got ' '.")]
    public void Run_EmptyPath_ExitsTwoWithOneErrorLine(string option, string value, string expected)
    {
        string[] arguments = option is "--out" or "--resume" ? [option, value] : ["--out", Out, option, value];

        var result = SampleProcess.Run(arguments);

        ExpectRefused(result, expected);
    }

    [Theory]
    [InlineData("--mlp-ratio 1e300", "error: The model (stem 32-64-128, patch 1, 6 blocks x 128 wide, MLP ratio 1E+300) would have about * parameters; the sample builds at most 1,000,000,000 *")]
    [InlineData("--width 2147483647 --heads 1", "error: The model (stem 32-64-128, patch 1, 6 blocks x 2147483647 wide, MLP ratio 2) would have about * parameters; the sample builds at most 1,000,000,000 *")]
    [InlineData("--depth 1000000", "error: The model (stem 32-64-128, patch 1, 1000000 blocks x 128 wide, MLP ratio 2) would have about * parameters; the sample builds at most 1,000,000,000 *")]
    [InlineData("--validation-split 0.00001 --limit 64", "error: --validation-split 1E-05 holds out no image of the 64 training images; use a larger fraction (or a larger --limit).")]
    public void Run_ModelOrSplitThatCannotWork_ExitsTwoBeforeWritingRunJson(string line, string expected)
    {
        var result = SampleProcess.Run(["--out", Out, "--tensorboard", TensorBoard, "--threads", "1", .. line.Split(' ')]);

        ExpectRefused(result, expected);
    }

    [Fact]
    public void Run_TensorBoardIsAFile_ExitsTwo()
    {
        string file = _directory.File("tb.txt");
        File.WriteAllText(file, "mine");

        var result = SampleProcess.Run(["--out", Out, "--tensorboard", file, "--limit", "64"]);

        ExpectRefused(result, $"error: --tensorboard '{file}' is a file; expected a folder.");
        File.ReadAllText(file).Should().Be("mine");
    }

    [Fact]
    public void Run_FailsAfterCreatingTheTensorBoardFolder_RemovesIt()
    {
        // --out below a file passes every check and fails only when the run folder is created, after the TensorBoard folder.
        string file = _directory.File("file");
        File.WriteAllText(file, "x");
        string output = Path.Combine(file, "run");

        var result = SampleProcess.Run(["--out", output, "--tensorboard", TensorBoard, "--limit", "64", "--batch-size", "32", "--threads", "1"]);

        result.ExitCode.Should().Be(2, result.Errors);
        result.ErrorLines.Should().ContainSingle().Which.Should().StartWith($"error: --out '{output}' cannot be written:");
        Directory.Exists(TensorBoard).Should().BeFalse("a failed run removes the TensorBoard folder it created");
    }

    [Fact]
    public void Run_GzipBombAsTheImages_ExitsTwo()
    {
        // 64 MiB of zeros in 64 KiB after an IDX header that declares a million images: far more than the file holds.
        string data = _directory.File("bomb");
        Directory.CreateDirectory(data);
        using (var stream = new GZipStream(File.Create(Path.Combine(data, "t10k-images-idx3-ubyte.gz")), CompressionLevel.SmallestSize))
        {
            stream.Write([0, 0, 8, 3, 0, 0x0F, 0x42, 0x40, 0, 0, 0, 28, 0, 0, 0, 28]);
            var zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++)
            {
                stream.Write(zeros);
            }
        }

        File.Copy(Path.Combine(TestFiles.InRepository("data/fashion-mnist"), "t10k-labels-idx1-ubyte.gz"), Path.Combine(data, "t10k-labels-idx1-ubyte.gz"));

        var result = SampleProcess.Run(["--out", Out, "--data", data, "--threads", "1"]);

        ExpectRefused(result, "error: --data: the Fashion-MNIST files could not be read: *t10k-images-idx3-ubyte.gz*");
    }

    public void Dispose() => _directory.Dispose();

    private void ExpectRefused(SampleProcess.Result result, string expected)
    {
        result.ExitCode.Should().Be(2, result.Errors);
        result.ErrorLines.Should().ContainSingle().Which.Should().Match(expected);
        Directory.Exists(Out).Should().BeFalse("nothing is written");
        Directory.Exists(TensorBoard).Should().BeFalse("nothing is written");
    }
}
