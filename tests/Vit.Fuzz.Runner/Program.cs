using System.Globalization;
using Vit.Fuzz;

// One case per process, so a native crash, a hang or a runaway allocation ends only this process:
//   run <reader> <case> <folder>   read a generated case; prints its outcome and the peak resident memory
//   write <reader> <case> <folder> write a case's files (for looking at one by hand)
//   afl <reader>                   the SharpFuzz harness: reads AFL's input file with the reader (docs/untrusted-input.md)
//   list                           every reader and case
if (args is ["run", var reader, var name, var folder])
{
    var fuzzCase = FuzzReaders.Find(reader).Cases.Single(c => c.Name == name);
    string outcome;
    try
    {
        outcome = $"ok\t{fuzzCase.Run(folder)}";
    }
    catch (Exception e)
    {
        outcome = $"error\t{e.GetType().FullName}\t{e.Message.ReplaceLineEndings(" ")}";
    }

    Console.WriteLine($"{RunnerProtocol.Result}\t{outcome}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{RunnerProtocol.PeakRss}\t{RunnerProtocol.PeakRssKilobytes()}"));
    return 0;
}

if (args is ["write", var writeReader, var writeName, var writeFolder])
{
    Directory.CreateDirectory(writeFolder);
    FuzzReaders.Find(writeReader).Cases.Single(c => c.Name == writeName).Write(writeFolder);
    return 0;
}

if (args is ["afl", var aflReader])
{
    AflHarness.Run(FuzzReaders.Find(aflReader));
    return 0;
}

if (args is ["list"])
{
    foreach (var r in FuzzReaders.All)
    {
        Console.WriteLine($"{r.Name}{(r.RunFile is null ? string.Empty : " (afl)")}: {string.Join(", ", r.Cases.Select(c => c.Name))}");
    }

    return 0;
}

Console.Error.WriteLine("usage: Vit.Fuzz.Runner run|write <reader> <case> <folder> | afl <reader> | list");
return 2;
