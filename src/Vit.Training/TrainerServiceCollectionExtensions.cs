using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vit.Core;
using Vit.Training;
using static TorchSharp.torch;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="Trainer"/> and validated <see cref="TrainerOptions"/>.</summary>
public static class TrainerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TrainerOptions"/> (validated by <see cref="TrainerOptionsValidator"/>, also at start-up)
    /// and one <see cref="Trainer"/> (a singleton) for the registered <see cref="VisionTransformer"/>, with every
    /// registered <see cref="ITrainerCallback"/> in its <see cref="Trainer.Callbacks"/>.
    /// </summary>
    /// <remarks>
    /// One trainer per model: a trainer owns its model's parameters while it lives (a second one on the same model
    /// would throw), so the trainer is a singleton like the model, created on first use and disposed with the provider.
    /// A registered <see cref="IProcessGroup"/> (for example Vit.Distributed's <c>MpiCommunicator</c>) makes it a
    /// data-parallel trainer.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddVitTrainer(this IServiceCollection services, Action<TrainerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TrainerOptions>().Configure(configure).ValidateOnStart();
        return AddCore(services);
    }

    /// <summary>Registers the trainer with options bound from a configuration section (see the other overload; one trainer per model).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">A section whose keys are <see cref="TrainerOptions"/> property names.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddVitTrainer(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TrainerOptions>().Bind(configuration).ValidateOnStart();
        return AddCore(services);
    }

    /// <summary>
    /// Registers validated options and one <see cref="Trainer"/> (a singleton) for the registered <typeparamref name="TModel"/>,
    /// with every registered <see cref="ITrainerCallback"/>; for models other than <see cref="VisionTransformer"/>.
    /// </summary>
    /// <typeparam name="TModel">The model's service type (registered as a singleton: one trainer per model).</typeparam>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddVitTrainer<TModel>(this IServiceCollection services, Action<TrainerOptions> configure)
        where TModel : nn.Module<Tensor, Tensor>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TrainerOptions>().Configure(configure).ValidateOnStart();
        return AddCore<TModel>(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services) => AddCore<VisionTransformer>(services);

    private static IServiceCollection AddCore<TModel>(IServiceCollection services)
        where TModel : nn.Module<Tensor, Tensor>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainerOptions>, TrainerOptionsValidator>());
        services.TryAddSingleton(provider =>
        {
            var trainer = new Trainer(
                provider.GetRequiredService<TModel>(),
                provider.GetRequiredService<IOptions<TrainerOptions>>().Value,
                provider.GetService<IProcessGroup>(),
                provider.GetService<ILogger<Trainer>>());
            foreach (var callback in provider.GetServices<ITrainerCallback>())
            {
                trainer.Callbacks.Add(callback);
            }

            return trainer;
        });
        return services;
    }
}
