<?php

/**
 * Every deliberate difference between php-tuf 0.1.7's API and the shim's,
 * as fnmatch() patterns over the names api-diff.php compares
 * ("Class" for a whole class, "Class::method", "Class::$property",
 * "Class::CONSTANT"; "*" for any class), each with its reason. README.md
 * ("What the shim provides" / "Deliberately left out") says the same.
 * A pattern that matches no difference is itself an error.
 */

return [
    // Omitted: php-tuf's verification internals. The native core does their
    // work; composer-integration and Drupal never name them.
    'Tuf\\Client\\SignatureVerifier' => 'omitted: signatures are verified natively',
    'Tuf\\Metadata\\Verifier\\*' => 'omitted: spec 5 checks run natively',
    'Tuf\\Client\\Updater::$signatureVerifier' => 'omitted with SignatureVerifier',
    'Tuf\\Client\\Updater::$universalVerifier' => 'omitted with Verifier\\UniversalVerifier',
    // Omitted: symfony/validator constraints (the shim does not depend on
    // symfony/validator); shapes are checked natively and by MetadataBase.
    'Tuf\\Metadata\\ConstraintsTrait' => 'omitted: no symfony/validator',
    '*::validate' => 'omitted with ConstraintsTrait',
    '*::get*Constraints' => 'omitted with ConstraintsTrait',
    '*::getSignedCollectionOptions' => 'omitted: symfony/validator constraint options',
    // Added: lazily decoded views of natively verified metadata.
    'Tuf\\Metadata\\*Metadata*::__get' => 'added: fills $signed, $signatures, $type, $version of lazy views on first read',
    // Added: the native exception behind a php-tuf one (not chained as
    // getPrevious(): Symfony Console would print its message twice).
    'Tuf\\Client\\NativeErrors' => 'added: NativeErrors::causeOf() returns the native exception behind a php-tuf one',
    // Added: the storage directory's lock (the CLI's and the standalone
    // updater's), taken around refreshes, lookups and FileStorage writes.
    'Tuf\\Client\\DurableStorage\\StorageLock' => 'added: internal, the lock on a FileStorage directory',
    // Added: prefetch() looks up many targets at once, fetching the roles
    // they need in one parallel batch (php/prefetch, the Composer plugin).
    'Tuf\\Client\\Updater::prefetch' => 'added: batch lookups with one parallel fetch of the delegated roles they need',
];
