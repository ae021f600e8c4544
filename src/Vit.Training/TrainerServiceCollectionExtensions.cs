using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vit.Core;
using Vit.Training;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="Trainer"/> and validated <see cref="TrainerOptions"/>.</summary>
public static class TrainerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TrainerOptions"/> (validated by <see cref="TrainerOptionsValidator"/>, also at start-up)
    /// and a transient <see cref="Trainer"/> built from the registered <see cref="VisionTransformer"/>.
    /// </summary>
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

    /// <summary>Registers the trainer with options bound from a configuration section (see the other overload).</summary>
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

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainerOptions>, TrainerOptionsValidator>());
        services.TryAddTransient(provider => new Trainer(
            provider.GetRequiredService<VisionTransformer>(),
            provider.GetRequiredService<IOptions<TrainerOptions>>(),
            provider.GetService<ILogger<Trainer>>()));
        return services;
    }
}
