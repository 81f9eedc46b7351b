<?php

declare(strict_types=1);

namespace Tuf\Exception;

/**
 * A file does not exist in the remote repository (e.g. an HTTP 404).
 *
 * Loaders may reject with this or with NotFoundException; the updater
 * treats both as "the file is not there".
 */
class RepoFileNotFound extends TufException
{
}
