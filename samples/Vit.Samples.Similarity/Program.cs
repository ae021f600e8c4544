using Vit.Samples.Similarity;

// Exit codes: 0 done, 2 bad command line or input (one error line).
return SimilaritySearch.Run(args, Console.Out, Console.Error);
