using Vit.Samples;
using Vit.Samples.Inference;

// Exit codes: 0 done, 2 bad command line, model or input (one-line error + usage).
if (!InferenceCommandLine.TryParse(args, out var request, out var error))
{
    return error is null ? 0 : Usage(error);
}

try
{
    return InferenceRun.Execute(request!);
}
catch (UsageException e)
{
    return Usage(e.Message);
}

static int Usage(string message)
{
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine();
    InferenceCommandLine.WriteUsage(Console.Error);
    return 2;
}
