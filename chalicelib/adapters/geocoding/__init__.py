"""Geocoders (``chalicelib.domain.submissions.ports.Geocoder``)."""
