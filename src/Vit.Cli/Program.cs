using Vit.Cli;
using Vit.Core;

// Before libtorch can load (vit export): short OpenMP spin-waits, so a busy machine does not slow the export fivefold.
OpenMpSpinWait.Limit();
return VitCommandLine.Run(args, Console.Out, Console.Error);
