using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;

namespace Vit.Fuzz;

/// <summary>
/// Runs the Fashion-MNIST sample's command line in this process (its entry point, so the child's memory limit covers
/// it) on a case folder: arguments from <c>args.txt</c> (one a line, <c>{dir}</c> for the folder), and reports the
/// exit code, the <c>error:</c> lines and whether any file under the folder changed.
/// </summary>
public static class SampleCommand
{
    /// <summary>The summary of a refused command line: what every bad input must end in.</summary>
    public const string Refused = "exit 2; 1 error line; nothing written";

    private const string ArgumentsFile = "args.txt";

    /// <summary>Writes the arguments a case runs with.</summary>
    public static void WriteArguments(string dir, params string[] arguments) =>
        File.WriteAllLines(Path.Combine(dir, ArgumentsFile), arguments);

    /// <summary>Runs the sample on the case folder; returns <c>exit N; K error line(s); nothing written | wrote ...</c>.</summary>
    public static string Run(string dir)
    {
        string[] arguments = [.. File.ReadAllLines(Path.Combine(dir, ArgumentsFile)).Select(a => a.Replace("{dir}", dir, StringComparison.Ordinal))];
        File.Delete(Path.Combine(dir, ArgumentsFile));
        var before = Snapshot(dir);
        var errors = new StringWriter();
        var (output, error) = (Console.Out, Console.Error);
        Console.SetOut(TextWriter.Null);
        Console.SetError(errors);
        int exitCode;
        try
        {
            var entry = Assembly.Load("Vit.Samples.FashionMnist").EntryPoint!;
            exitCode = (int)entry.Invoke(null, [arguments])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // An exception the sample let escape: reported as itself (a crash of the command line).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }

        int errorLines = errors.ToString().Split('\n').Count(l => l.StartsWith("error:", StringComparison.Ordinal));
        var changed = Snapshot(dir).Except(before).Concat(before.Except(Snapshot(dir))).Select(e => e.Split(' ')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        string written = changed.Count == 0 ? "nothing written" : $"wrote {string.Join(", ", changed.Take(4))}";
        return $"exit {exitCode}; {errorLines} error line{(errorLines == 1 ? string.Empty : "s")}; {written}";
    }

    /// <summary>Copies a finished run of the sample (made once per process) to <paramref name="destination"/>, without its outputs unless <paramref name="finished"/>.</summary>
    public static void CopyRun(string destination, bool finished)
    {
        string[] outputs = ["model.safetensors", "config.json", "model.onnx", "training-curves.png", "confusion-matrix.png"];
        foreach (string file in Directory.EnumerateFiles(BaseRun.Value, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(BaseRun.Value, file);
            if (finished || (!outputs.Contains(relative) && !relative.EndsWith("checkpoint-00000004.safetensors", StringComparison.Ordinal)))
            {
                string target = Path.Combine(destination, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }

    private static readonly Lazy<string> BaseRun = new(MakeRun);

    /// <summary>Every file and folder under <paramref name="dir"/> with its content's hash.</summary>
    private static HashSet<string> Snapshot(string dir) =>
        [.. Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Select(p =>
            $"{Path.GetRelativePath(dir, p)} {(Vit.Input.RegularFile.Exists(p) && new FileInfo(p).Length < (64 << 20) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))) : "-")}")];

    /// <summary>A two-epoch, two-update-per-epoch run of the sample (its own process), so cases can resume its checkpoint after epoch 1.</summary>
    private static string MakeRun()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"vit-fuzz-sample-run-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(folder, recursive: true);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "Vit.Samples.FashionMnist.dll"), "--out", folder, "--epochs", "2", "--limit", "64", "--batch-size", "32", "--threads", "1" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? folder : throw new InvalidOperationException($"The sample's base run failed (exit {process.ExitCode}): {errors.Result}");
    }
}
